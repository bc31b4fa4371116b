import type { Database } from "../../src/db/client";
import { bearer, signedInUser, signToken } from "../helpers/auth";
import { addMember, createWorkspace } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";

export async function publisher(db: Database) {
  const { user, token } = await signedInUser(db);
  const { workspace } = await createWorkspace(db, { owner: user });
  const headers = { ...bearer(token), "X-Workspace-ID": workspace.id };
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
