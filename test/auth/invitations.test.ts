import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createUser, createWorkspace, uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

// Issue 10, item 8: adding a member by e-mail is no account-existence oracle and echoes only what
// the caller gave; the user joins by accepting the invitation.
const clients = useDatabase();
const db = () => clients.pool;
/** A session token carrying the user's e-mail, as the README's session-token template adds it. */
const tokenFor = async (user: { clerkUserId: string; email: string | null }) =>
  bearer(await signToken({ sub: user.clerkUserId, ...(user.email ? { email: user.email } : {}) }));
const invite = async (workspaceId: string, inviter: { clerkUserId: string; email: string | null }, email: string, role = "editor") =>
  api(`/api/workspaces/${workspaceId}/members`, jsonRequest("POST", { email, role }, await tokenFor(inviter)));

async function myInvitations(user: { clerkUserId: string; email: string | null }) {
  const response = await api("/api/invitations", { headers: await tokenFor(user) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Array<{ id: string; workspace: { id: string; name: string }; role: string }> }).items;
}

describe("inviting by e-mail: the same answer for every address", () => {
  it("answers 202 pending alike for an unknown address, a known one and a member's, echoing only the request", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const known = await createUser(db());
    const member = await addMember(db(), workspace.id, "viewer");
    const unknown = `${uniqueToken("nobody")}@example.test`;
    const answers = [];
    for (const email of [unknown, known.email!.toUpperCase(), member.email!]) {
      const response = await invite(workspace.id, owner, email);
      expect(response.status).toBe(202);
      const body = await response.json();
      expect(body).toEqual({ email, role: "editor", status: "pending" });
      answers.push({ status: response.status, keys: Object.keys(body as object).sort() });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    // Nobody joined: the known user is not listed as a member.
    const members = await db().select().from(schema.workspaceMembers).where(eq(schema.workspaceMembers.workspaceId, workspace.id));
    expect(members.map((m) => m.userId).sort()).toEqual([owner.id, member.id].sort());
  });

  it("still refuses to grant a role above the caller's own", async () => {
    const { workspace } = await createWorkspace(db());
    const admin = await addMember(db(), workspace.id, "admin");
    const response = await invite(workspace.id, admin, `${uniqueToken()}@example.test`, "owner");
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("insufficient_role");
  });
});

describe("accepting an invitation", () => {
  it("shows the invitation only to its addressee, who joins with the invited role on accepting", async () => {
    const { workspace, owner } = await createWorkspace(db(), { name: `Invite ${uniqueToken()}` });
    const invitee = await createUser(db());
    const stranger = await createUser(db());
    await invite(workspace.id, owner, invitee.email!.toUpperCase(), "editor");

    expect(await myInvitations(stranger)).toEqual([]);
    const [invitation] = await myInvitations(invitee);
    expect(invitation).toMatchObject({ workspace: { id: workspace.id, name: workspace.name }, role: "editor" });

    const byStranger = await api(`/api/invitations/${invitation!.id}/accept`, { method: "POST", headers: await tokenFor(stranger) });
    expect(byStranger.status).toBe(404);
    expect((await problem(byStranger)).code).toBe("invitation_not_found");

    const accepted = await api(`/api/invitations/${invitation!.id}/accept`, { method: "POST", headers: await tokenFor(invitee) });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ workspace_id: workspace.id, role: "editor" });
    const [membership] = await db()
      .select()
      .from(schema.workspaceMembers)
      .where(and(eq(schema.workspaceMembers.workspaceId, workspace.id), eq(schema.workspaceMembers.userId, invitee.id)));
    expect(membership!.role).toBe("editor");
    expect(await myInvitations(invitee)).toEqual([]);
    const again = await api(`/api/invitations/${invitation!.id}/accept`, { method: "POST", headers: await tokenFor(invitee) });
    expect(again.status).toBe(404);
  });

  it("lets a user who signs up later see the invitation sent before they had an account", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const email = `${uniqueToken("later")}@example.test`;
    await invite(workspace.id, owner, email, "viewer");
    const newcomer = { clerkUserId: `user_${uniqueToken()}`, email };
    const [invitation] = await myInvitations(newcomer);
    expect(invitation).toMatchObject({ workspace: { id: workspace.id }, role: "viewer" });
  });

  it("re-inviting updates the role of the one open invitation", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const invitee = await createUser(db());
    await invite(workspace.id, owner, invitee.email!, "viewer");
    await invite(workspace.id, owner, invitee.email!, "admin");
    const invitations = await myInvitations(invitee);
    expect(invitations).toHaveLength(1);
    expect(invitations[0]!.role).toBe("admin");
  });

  it("keeps a member's role when they accept an invitation to a workspace they are already in", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const member = await addMember(db(), workspace.id, "admin");
    await invite(workspace.id, owner, member.email!, "viewer");
    const [invitation] = await myInvitations(member);
    const accepted = await api(`/api/invitations/${invitation!.id}/accept`, { method: "POST", headers: await tokenFor(member) });
    expect(await accepted.json()).toEqual({ workspace_id: workspace.id, role: "admin" });
  });

  it("uses the e-mail on record when the token omits it, and shows nothing to a user without one", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const invitee = await createUser(db());
    await invite(workspace.id, owner, invitee.email!, "viewer");
    expect(await myInvitations({ clerkUserId: invitee.clerkUserId, email: null })).toHaveLength(1);
    const anonymous = await createUser(db(), { email: null });
    expect(await myInvitations(anonymous)).toEqual([]);
  });
});
