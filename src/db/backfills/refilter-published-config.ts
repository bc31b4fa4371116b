import { and, asc, eq, gt, isNotNull, or } from "drizzle-orm";
import { contentSha256 } from "../../domain/content-hash";
import { publishedConfig } from "../../domain/published-config";
import type { Queryable } from "../client";
import { items, itemVersions } from "../schema";
import type { ItemType } from "../../domain/item-types";
import type { Backfill } from "./index";

const BATCH = 500;

/**
 * Issue 10 item 1: rows published before deny-by-default filtering may hold secrets nested in
 * their configuration. Re-filters, with today's publishedConfig, every published row's `details`
 * (marketplace items, and removed ones that went back to their workspace) and the `details` of
 * every version snapshot, whose content hash is recomputed so it still matches its content.
 * Idempotent: a second run finds nothing to drop.
 */
export const refilterPublishedConfig: Backfill = {
  id: "0001-refilter-published-config",
  description: "drop unpublishable and credential-looking configuration from published items and their versions",
  async run(db) {
    await refilterItems(db);
    await refilterVersions(db);
  },
};

async function refilterItems(db: Queryable): Promise<void> {
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db
      .select({ id: items.id, type: items.type, details: items.details })
      .from(items)
      .where(and(gt(items.id, after), or(eq(items.ownerType, "marketplace"), isNotNull(items.publisherWorkspaceId))))
      .orderBy(asc(items.id))
      .limit(BATCH);
    for (const row of rows) {
      const { config, dropped } = publishedConfig(row.type as ItemType, row.details);
      if (dropped.length > 0) await db.update(items).set({ details: config }).where(eq(items.id, row.id));
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

async function refilterVersions(db: Queryable): Promise<void> {
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db
      .select({ id: itemVersions.id, type: items.type, content: itemVersions.content })
      .from(itemVersions)
      .innerJoin(items, eq(items.id, itemVersions.itemId))
      .where(gt(itemVersions.id, after))
      .orderBy(asc(itemVersions.id))
      .limit(BATCH);
    for (const row of rows) {
      const details = row.content.details;
      if (!details || typeof details !== "object" || Array.isArray(details)) continue;
      const { config, dropped } = publishedConfig(row.type as ItemType, details as Record<string, unknown>);
      if (dropped.length === 0) continue;
      const content = { ...row.content, details: config };
      await db.update(itemVersions).set({ content, contentSha256: await contentSha256(content) }).where(eq(itemVersions.id, row.id));
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}
