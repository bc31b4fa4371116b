import { asc, gt, sql } from "drizzle-orm";
import { audienceOf, type CatalogEvent } from "../../domain/events";
import type { Queryable } from "../client";
import { catalogEvents } from "../schema";

/**
 * Appends events to the outbox (design.md §30): the one writer of `catalog_events`. Call it as the
 * last statement of the transaction of the change it records. The transaction-scoped advisory lock
 * serialises appenders, so identity values commit in the order they were drawn and a reader of
 * `id > after` never passes an id that a slower transaction commits later. The lock is held only
 * from here to the commit, which is why this must be the last statement.
 */
export async function appendEvents(tx: Queryable, events: CatalogEvent[]): Promise<void> {
  if (!events.length) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('catalog_events'))`);
  await tx.insert(catalogEvents).values(
    events.map((e) => {
      const audience = audienceOf(e.type);
      return {
        type: e.type,
        audience,
        itemId: e.itemId ?? null,
        pluginId: e.pluginId ?? null,
        workspaceId: audience === "workspace" ? (e.workspaceId ?? null) : null,
        data: e.data,
      };
    }),
  );
}

/** Events after the cursor `after` (an id), oldest first: the only way the outbox is read (design.md §30). */
export function eventsAfter(db: Queryable, after: number, limit: number) {
  return db.select().from(catalogEvents).where(gt(catalogEvents.id, after)).orderBy(asc(catalogEvents.id)).limit(limit);
}
