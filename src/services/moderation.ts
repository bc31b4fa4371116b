import type { Cache } from "../clients/cache";
import type { Database, Queryable } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import {
  insertAudit,
  listAudit,
  lockMarketplaceItem,
  marketplaceNameHolder,
  pendingQueue,
  replaceRecommendedAgents,
  reviewVersion,
  updateMarketplaceItem,
  versionsOfItem,
  type VersionRow,
} from "../db/queries/publishing";
import { appendEvents } from "../db/queries/events";
import { replaceAgentSkills, replaceAgentTools, toolsByName } from "../db/queries/workspace-items";
import type { CatalogEvent } from "../domain/events";
import { listedVersion } from "../domain/releases";
import { ApiError } from "../lib/errors";
import type { ItemType } from "../domain/item-types";
import type { Actor, AnyActor } from "./auth/principal";
import { invalidateCatalog } from "./catalog-cache";
import { refuseTakenMarketplaceName } from "./item-names";
import { submissionSummary, type VersionContent } from "./publishing";

export interface ModerationDeps {
  db: Database;
  cache: Cache;
  actor: Actor;
  requestId: string;
}

const notFound = () => new ApiError(404, "item_not_found", "Marketplace item not found");
const illegal = (detail: string) => new ApiError(409, "invalid_transition", detail);

/** Runs one moderation change in a transaction, then bumps the catalog generation (design.md §15). */
async function moderate<T>(deps: ModerationDeps, change: (tx: Queryable) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await deps.db.transaction((tx) => change(tx));
  } catch (error) {
    if (isUniqueViolation(error, "items_marketplace_name_key")) {
      throw new ApiError(409, "name_taken", "Another marketplace item of this type already has this version's name.");
    }
    throw error;
  }
  await invalidateCatalog(deps.cache);
  return result;
}

function audit(tx: Queryable, deps: Pick<ModerationDeps, "actor" | "requestId">, action: string, targetId: string, extra: { reason?: string; details?: Record<string, unknown>; targetType?: "item" | "item_version" } = {}) {
  return insertAudit(tx, {
    ...deps.actor,
    action,
    targetType: extra.targetType ?? "item",
    targetId,
    reason: extra.reason ?? null,
    details: extra.details ?? {},
    requestId: deps.requestId,
  });
}

function pendingVersion(versions: VersionRow[], wanted?: string): VersionRow {
  const pending = versions.filter((v) => v.reviewStatus === "pending");
  const chosen = wanted ? pending.find((v) => v.version === wanted) : pending[pending.length - 1];
  if (!chosen) {
    const known = versions.find((v) => v.version === wanted);
    throw illegal(known ? `Version ${wanted} is already ${known.reviewStatus}.` : "Nothing is waiting for review on this item.");
  }
  return chosen;
}

/**
 * Makes the marketplace row mirror an approved version: fields, dependencies and tools. Another
 * item may have taken a look-alike name since this version was submitted: approval names it in a
 * 409 (`onNameClash: "refuse"`); a takedown's recomputation keeps the row's current name instead
 * and reports `nameKept: true` for its audit row (design.md §34).
 */
export async function mirror(
  tx: Queryable,
  itemId: string,
  type: string,
  version: VersionRow,
  actor: AnyActor,
  onNameClash: "refuse" | "keep" = "refuse",
): Promise<{ nameKept: boolean }> {
  const content = version.content as unknown as VersionContent;
  let name = content.name;
  let nameKept = false;
  if (onNameClash === "refuse") await refuseTakenMarketplaceName(tx, type as ItemType, content.name, itemId);
  else if (await marketplaceNameHolder(tx, type, content.name, itemId)) {
    nameKept = true;
    name = undefined as unknown as string;
  }
  await updateMarketplaceItem(tx, itemId, {
    ...(name === undefined ? {} : { name }),
    description: content.description,
    tags: content.tags,
    marketplaceIcon: content.icon,
    categoryId: content.category?.id ?? null,
    marketplaceCategory: content.category?.name ?? null,
    details: content.details,
    version: version.version,
    latestVersionId: version.id,
    isApproved: true,
    ...actor,
  });
  if (type === "agent") {
    await replaceAgentSkills(tx, itemId, content.skill_ids ?? []);
    const tools = await toolsByName(tx, content.tools ?? []);
    await replaceAgentTools(tx, itemId, tools.map((t) => t.id), actor);
  } else if (type === "recipe") {
    await replaceRecommendedAgents(tx, itemId, content.recommended_agent_ids ?? []);
  }
  return { nameKept };
}

/**
 * Approves the pending version (or `wanted`). It becomes the listed version, mirrored onto the
 * marketplace row, when it is the highest approved stable version, or the highest approved
 * pre-release of an item with no stable version (design.md §2). 404 `item_not_found`; 409
 * `invalid_transition` when nothing (or not `wanted`) is pending; 409 `name_taken`.
 */
export async function approveItem(deps: ModerationDeps, itemId: string, wanted?: string) {
  return moderate(deps, async (tx) => {
    const item = await lockMarketplaceItem(tx, itemId);
    if (!item) throw notFound();
    const versions = await versionsOfItem(tx, itemId);
    const version = pendingVersion(versions, wanted);
    const approved = await reviewVersion(tx, version.id, { status: "approved", reviewerId: deps.actor.actorId });
    // The row mirrors the listed version (design.md §2): approving a pre-release while a stable
    // version exists, or a maintenance release below the listed one, only records the approval.
    // By status too (design.md §34): a yanked or taken-down higher version never keeps this one from being listed.
    const listed = listedVersion([...versions.filter((v) => v.id !== approved.id), approved]);
    const becomesLatest = listed?.id === approved.id;
    if (becomesLatest) await mirror(tx, itemId, item.type, approved, deps.actor);
    await audit(tx, deps, "approve", itemId, { details: { version: approved.version, latest: becomesLatest } });
    const events: CatalogEvent[] = [{ type: "item.approved", itemId, data: { item_id: itemId, type: item.type, version: approved.version, listed: becomesLatest } }];
    if (becomesLatest) {
      const before = versions.find((v) => v.id === item.latestVersionId)?.version ?? null;
      events.push({ type: "item.listed_version_changed", itemId, data: { item_id: itemId, version: approved.version, previous_version: before } });
    }
    await appendEvents(tx, events);
    return { item_id: itemId, version: approved.version, status: "approved" as const, latest: becomesLatest };
  });
}

export async function rejectItem(deps: ModerationDeps, itemId: string, reason: string, wanted?: string) {
  return moderate(deps, async (tx) => {
    const item = await lockMarketplaceItem(tx, itemId);
    if (!item) throw notFound();
    const version = pendingVersion(await versionsOfItem(tx, itemId), wanted);
    await reviewVersion(tx, version.id, { status: "rejected", reason, reviewerId: deps.actor.actorId });
    await audit(tx, deps, "reject", itemId, { reason, details: { version: version.version } });
    // The publisher learns of its rejection; a curated row without a publisher has no one to tell.
    if (item.publisherWorkspaceId) {
      await appendEvents(tx, [
        { type: "submission.rejected", itemId, workspaceId: item.publisherWorkspaceId, data: { item_id: itemId, version: version.version, reason } },
      ]);
    }
    return { item_id: itemId, version: version.version, status: "rejected" as const, reason };
  });
}

/** Sets `featured`, or toggles it when not given (the frontend's toggle-featured). */
export async function featureItem(deps: ModerationDeps, itemId: string, featured?: boolean) {
  return moderate(deps, async (tx) => {
    const item = await lockMarketplaceItem(tx, itemId);
    if (!item) throw notFound();
    if (!item.isApproved) throw illegal("Only approved items can be featured.");
    const next = featured ?? !item.isFeatured;
    await updateMarketplaceItem(tx, itemId, { isFeatured: next, ...deps.actor });
    await audit(tx, deps, next ? "feature" : "unfeature", itemId);
    if (next !== item.isFeatured) await appendEvents(tx, [{ type: next ? "item.featured" : "item.unfeatured", itemId, data: { item_id: itemId } }]);
    return { item_id: itemId, is_featured: next };
  });
}

/**
 * Takes an item off the marketplace and returns it to its publisher (design.md §5): install history,
 * name and version numbers stay; clones see it as removed.
 */
export async function removeItem(deps: ModerationDeps, itemId: string, reason?: string) {
  return moderate(deps, async (tx) => {
    const removed = await removeItemInTx(tx, deps, itemId, reason);
    await appendEvents(tx, removed.events);
    return removed.result;
  });
}

/**
 * `removeItem` inside the caller's transaction (a report resolution's, services/reports/resolve.ts):
 * the caller appends the returned events last and invalidates the catalog after its commit.
 * @throws 404 `item_not_found`; 409 `invalid_transition` (a curated item has no workspace to return to).
 */
export async function removeItemInTx(tx: Queryable, deps: Pick<ModerationDeps, "actor" | "requestId">, itemId: string, reason?: string) {
  const item = await lockMarketplaceItem(tx, itemId);
  if (!item) throw notFound();
  if (!item.publisherWorkspaceId) throw illegal("This curated item has no publisher workspace to return to.");
  await updateMarketplaceItem(tx, itemId, {
    ownerType: "workspace",
    workspaceId: item.publisherWorkspaceId,
    ownerId: item.publisherWorkspaceId,
    isApproved: false,
    isFeatured: false,
    removedAt: new Date(),
    ...deps.actor,
  });
  await audit(tx, deps, "remove", itemId, { reason, details: { publisher_workspace_id: item.publisherWorkspaceId } });
  const events: CatalogEvent[] = [{ type: "item.removed", itemId, data: { item_id: itemId } }];
  return { events, result: { item_id: itemId, removed: true as const } };
}

export async function reviewQueue(db: Queryable, page: { limit: number; offset: number }) {
  const { rows, total } = await pendingQueue(db, page);
  return {
    items: rows.map((r) => ({ ...submissionSummary(r), publisher: r.publisher, new_item: !r.itemApproved })),
    total,
    ...page,
  };
}

export async function auditTrail(db: Queryable, filter: { action?: string; targetId?: string; actorId?: string }, page: { limit: number; offset: number }) {
  const { rows, total } = await listAudit(db, filter, page);
  return {
    items: rows.map((r) => ({
      id: r.id,
      actor_type: r.actorType,
      actor_id: r.actorId,
      action: r.action,
      target_type: r.targetType,
      target_id: r.targetId,
      reason: r.reason,
      details: r.details,
      request_id: r.requestId,
      created_at: r.createdAt.toISOString(),
    })),
    total,
    ...page,
  };
}
