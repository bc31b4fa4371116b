import type { Database } from "../../src/db/client";
import { createKey } from "../helpers/auth";
import { createWorkspace } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { workspaceOwner } from "../publishing/helpers";

/** POST /api/marketplace/{items|plugins}/{id}/reports. */
export const report = (subject: "items" | "plugins", id: string, body: Record<string, unknown>, headers: Record<string, string>) =>
  api(`/api/marketplace/${subject}/${id}/reports`, jsonRequest("POST", body, headers));

/** POST /api/admin/reports/resolve. */
export const resolve = (body: Record<string, unknown>, headers: Record<string, string>) => api("/api/admin/reports/resolve", jsonRequest("POST", body, headers));

/** POST /api/marketplace/items/{id}/appeals. */
export const appeal = (itemId: string, body: Record<string, unknown>, headers: Record<string, string>) =>
  api(`/api/marketplace/items/${itemId}/appeals`, jsonRequest("POST", body, headers));

export interface QueueEntry {
  kind: "reports" | "appeal";
  subject: { type: string; item_id: string | null; plugin_id: string | null; name: string | null; version: string | null; version_status: string | null; scan_verdict: string | null; visible: boolean };
  priority_tier: number;
  report_count: number;
  reporters: number;
  workspaces: number;
  reasons: Record<string, number>;
  first_reported_at: string | null;
  last_reported_at: string | null;
  resolution: { action: string; note: string } | null;
  appeal: { id: string; action: string; message: string; status: string } | null;
}

/** Every entry of the admins' queue (all pages) with the given query. */
export async function queue(admin: Record<string, string>, query = ""): Promise<QueueEntry[]> {
  const entries: QueueEntry[] = [];
  for (let offset = 0; ; offset += 100) {
    const response = await api(`/api/admin/reports?limit=100&offset=${offset}${query ? `&${query}` : ""}`, { headers: admin });
    if (response.status !== 200) throw new Error(`queue: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { items: QueueEntry[]; total: number };
    entries.push(...page.items);
    if (offset + 100 >= page.total) return entries;
  }
}

/** The queue entries about one subject. */
export const entriesOf = (entries: QueueEntry[], subjectId: string) => entries.filter((e) => e.subject.item_id === subjectId || e.subject.plugin_id === subjectId);

export interface OwnReport {
  id: string;
  status: string;
  reason: string;
  version: string | null;
  item_id: string | null;
  plugin_id: string | null;
  outcome: { action: string; note: string; resolved_at: string } | null;
}

/** The workspace's own reports (GET /api/marketplace/reports), first page. */
export async function ownReports(headers: Record<string, string>): Promise<OwnReport[]> {
  const response = await api("/api/marketplace/reports?limit=100", { headers });
  if (response.status !== 200) throw new Error(`reports: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { items: OwnReport[] }).items;
}

/** A reporting workspace: its owner's headers, and a `catalog:read` key the owner created (the same reporter, design.md §45). */
export async function reporter(db: Database) {
  const owner = await workspaceOwner(db);
  return { ...owner, key: { "X-API-Key": (await createKey(db, owner.workspace.id, { scopes: ["catalog:read"], createdByUserId: owner.user.id })).secret } };
}

/** A `catalog:read` key in a workspace of its own, created by no user: its own reporter (design.md §45). */
export async function keyReporter(db: Database) {
  const { workspace } = await createWorkspace(db);
  return { workspace, headers: { "X-API-Key": (await createKey(db, workspace.id, { scopes: ["catalog:read"] })).secret } };
}
