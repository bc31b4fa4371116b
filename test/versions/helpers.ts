import { expect } from "vitest";
import type { Database } from "../../src/db/client";
import type { ApiKeyScope } from "../../src/lib/access";
import { bearer, createKey, signToken } from "../helpers/auth";
import { addMember, uniqueToken } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { post, publisher } from "../publishing/helpers";

/** PATCH /api/marketplace/items/{id}/versions/{version}. */
export const patchItemVersion = (itemId: string, version: string, body: unknown, headers: Record<string, string>) =>
  api(`/api/marketplace/items/${itemId}/versions/${version}`, jsonRequest("PATCH", body, headers));

/** PATCH /api/admin/plugins/{plugin_id}/versions/{version}. */
export const patchPluginVersion = (pluginId: string, version: string, body: unknown, headers: Record<string, string>) =>
  api(`/api/admin/plugins/${pluginId}/versions/${version}`, jsonRequest("PATCH", body, headers));

/**
 * A marketplace skill published through the real submit and approve routes, one approved version
 * per entry of `versions` (in that order), from a fresh publisher workspace.
 */
export async function releasedSkill(db: Database, admin: Record<string, string>, versions: string[]) {
  const p = await publisher(db);
  const source = await p.create("skills", { name: `Status ${uniqueToken()}` });
  let itemId = "";
  const submit = async (version: string) => {
    const submitted = await p.submit({ item_id: source.id, version, changelog: `Notes ${version}` });
    expect(submitted.status, await submitted.clone().text()).toBe(201);
    itemId = ((await submitted.json()) as { item_id: string }).item_id;
  };
  for (const version of versions) {
    await submit(version);
    const approved = await post(`/api/marketplace/items/${itemId}/approve`, {}, admin);
    expect(approved.status, await approved.clone().text()).toBe(200);
  }
  return {
    itemId,
    publisher: p,
    /** Submits a version and leaves it pending. */
    submit,
    /** Headers of a new member of the publisher workspace with `role`, acting in it. */
    async member(role: "viewer" | "editor") {
      const user = await addMember(db, p.workspace.id, role);
      return { ...bearer(await signToken({ sub: user.clerkUserId })), "X-Workspace-ID": p.workspace.id };
    },
    /** Headers of an API key of the publisher workspace with the given scopes. */
    async key(scopes: ApiKeyScope[]) {
      return { "X-API-Key": (await createKey(db, p.workspace.id, { scopes })).secret };
    },
  };
}
