import type { Database } from "../../src/db/client";
import { bearer, createKey, signedInUser, signToken } from "../helpers/auth";
import { addMember, createWorkspace } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";

/** A signed-in user who owns a fresh workspace, with the headers that act in it. */
export async function workspaceOwner(db: Database) {
  const { user, token } = await signedInUser(db);
  const { workspace } = await createWorkspace(db, { owner: user });
  return { user, workspace, headers: { ...bearer(token), "X-Workspace-ID": workspace.id } };
}

/** Headers of a catalog:read API key in a workspace of its own: a plain catalog reader. */
export async function catalogReaderHeaders(db: Database): Promise<Record<string, string>> {
  const { workspace } = await createWorkspace(db);
  return { "X-API-Key": (await createKey(db, workspace.id, { scopes: ["catalog:read"] })).secret };
}

export async function publisher(db: Database) {
  const { user, workspace, headers } = await workspaceOwner(db);
  return {
    user,
    workspace,
    headers,
    async create(type: "agents" | "recipes" | "skills", body: Record<string, unknown>) {
      const response = await api(`/api/${type}`, jsonRequest("POST", body, headers));
      if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; name: string };
    },
    submit(body: Record<string, unknown>, path = "/api/marketplace/submit") {
      return api(path, jsonRequest("POST", body, headers));
    },
    async viewerHeaders() {
      const viewer = await addMember(db, workspace.id, "viewer");
      return { ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": workspace.id };
    },
  };
}

export async function adminHeaders(db: Database) {
  const { token } = await signedInUser(db, { systemRole: "admin" });
  return bearer(token);
}

export const post = (path: string, body: unknown, headers: Record<string, string>) => api(path, jsonRequest("POST", body, headers));
