import type { Database, Queryable } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import {
  findCategoryRef,
  insertAudit,
  insertVersion,
  lockPublishedFromSource,
  submissionsOfWorkspace,
  versionsOfItem,
} from "../db/queries/publishing";
import { findWorkspaceItem, insertItem, skillsOf, toolsOf } from "../db/queries/workspace-items";
import { recommendedAgentsOf } from "../db/queries/catalog";
import { contentSha256 } from "../domain/content-hash";
import { publishedConfig } from "../domain/published-config";
import { defaultNextVersion, versionRefusal } from "../domain/releases";
import { publisherActions } from "./reports/views";
import { ApiError } from "../lib/errors";
import { actorOf, type Principal } from "./auth/principal";
import { marketplaceNameTaken, nameTaken, refuseTakenMarketplaceName } from "./item-names";
import { WORKSPACE_TYPES, type WorkspaceType } from "./workspace-items";

export interface SubmitInput {
  itemId: string;
  itemType?: WorkspaceType;
  name?: string;
  description?: string;
  category?: string;
  tags?: string[];
  icon?: string;
  version?: string;
  changelog?: string;
}

/** What a version publishes: the item as the marketplace will show it, and what install copies. */
export interface VersionContent {
  name: string;
  description: string;
  tags: string[];
  icon: string | null;
  category: { id: string; name: string } | null;
  details: Record<string, unknown>;
  skill_ids?: string[];
  tools?: string[];
  recommended_agent_ids?: string[];
}

async function findSubmittable(db: Queryable, workspaceId: string, input: SubmitInput) {
  const types = input.itemType ? [input.itemType] : WORKSPACE_TYPES;
  for (const type of types) {
    const row = await findWorkspaceItem(db, workspaceId, type, input.itemId);
    if (row) return row;
  }
  throw new ApiError(404, "item_not_found", "No such agent, recipe or skill in this workspace.");
}

/** A marketplace agent links only marketplace skills (design.md §4). */
async function agentDependencies(db: Queryable, agentId: string) {
  const [skills, tools] = await Promise.all([skillsOf(db, agentId), toolsOf(db, agentId)]);
  const privateSkills = skills.filter((s) => s.ownerType !== "marketplace" || !s.isApproved);
  if (privateSkills.length) {
    throw new ApiError(400, "private_dependencies", "Publish these skills to the marketplace first.", {
      dependencies: privateSkills.map((s) => ({ id: s.id, name: s.name, type: "skill" })),
    });
  }
  return { skill_ids: skills.map((s) => s.id), tools: tools.map((t) => t.appName) };
}

/**
 * Submits a workspace agent, recipe or skill for review (design.md §2–§4, §7). The first
 * submission creates the marketplace item; later ones from the same workspace item add a version
 * to it. Everything happens in one transaction; nothing is visible until an admin approves.
 * Versions: any valid semver not used before on the item (any review status, equal precedence
 * counts as used), else 409 `version_conflict` saying which use holds it; without `version`, the
 * patch after the highest stable version ever used (src/domain/releases.ts). Other errors: 404
 * `item_not_found`, 400 `unknown_category` / `private_dependencies`, 409 `submission_pending`,
 * `item_removed`, `name_taken`.
 */
export async function submitItem(db: Database, workspaceId: string, principal: Principal, input: SubmitInput) {
  const actor = actorOf(principal);
  const creatorId = principal.kind === "user" ? principal.user.id : principal.key.createdByUserId;
  let claimed: { type: WorkspaceType; name: string } | undefined;
  try {
    return await db.transaction(async (tx) => {
      const source = await findSubmittable(tx, workspaceId, input);
      const type = source.type as WorkspaceType;
      const { config, dropped } = publishedConfig(type, source.details);
      let category: VersionContent["category"] = null;
      if (input.category) {
        category = (await findCategoryRef(tx, input.category)) ?? null;
        if (!category) throw new ApiError(400, "unknown_category", `No category \`${input.category}\`.`);
      }
      const content: VersionContent = {
        name: input.name ?? source.name,
        description: input.description ?? source.description,
        tags: input.tags ?? source.tags,
        icon: input.icon ?? source.marketplaceIcon,
        category,
        details: config,
      };
      let dependencyIds: string[] = [];
      if (type === "agent") {
        Object.assign(content, await agentDependencies(tx, source.id));
        dependencyIds = content.skill_ids ?? [];
      } else if (type === "recipe") {
        content.recommended_agent_ids = (await recommendedAgentsOf(tx, source.id)).filter((a) => a.isApproved).map((a) => a.id);
        dependencyIds = content.recommended_agent_ids;
      }

      let item = await lockPublishedFromSource(tx, workspaceId, source.id);
      if (item?.removedAt) {
        throw new ApiError(409, "item_removed", "This item was removed from the marketplace; it cannot take new versions.");
      }
      const used = item ? (await versionsOfItem(tx, item.id)).map((v) => ({ version: v.version, reviewStatus: v.reviewStatus })) : [];
      if (used.some((v) => v.reviewStatus === "pending")) {
        throw new ApiError(409, "submission_pending", "A version of this item is already waiting for review.");
      }
      const version = input.version ?? defaultNextVersion(used);
      // Never reused, even after rejection or removal; lower numbers are fine (design.md §2 as amended).
      const refusal = versionRefusal(version, used);
      if (refusal) throw new ApiError(409, "version_conflict", refusal, { version });
      // Checked here too so that a new version's name is refused at submit, not only at approval.
      await refuseTakenMarketplaceName(tx, type, content.name, item?.id);
      claimed = { type, name: content.name };
      if (!item) {
        item = await insertItem(tx, {
          type,
          name: content.name,
          description: content.description,
          tags: content.tags,
          marketplaceIcon: content.icon,
          categoryId: category?.id ?? null,
          marketplaceCategory: category?.name ?? null,
          details: content.details,
          version,
          ownerType: "marketplace",
          isApproved: false,
          clonedFromId: source.id,
          sourceItemId: source.id,
          publisherWorkspaceId: workspaceId,
          originalCreatorId: creatorId,
          createdByUserId: creatorId,
          ...actor,
        });
      }
      const submitted = await insertVersion(tx, {
        itemId: item.id,
        version,
        content: content as unknown as Record<string, unknown>,
        dependencyIds,
        changelog: input.changelog ?? null,
        contentSha256: await contentSha256(content),
        reviewStatus: "pending",
        submittedByUserId: creatorId,
        ...actor,
      });
      await insertAudit(tx, { ...actor, action: "submit", targetType: "item_version", targetId: submitted.id, workspaceId, details: { item_id: item.id, version } });
      return {
        submission_id: submitted.id,
        item_id: item.id,
        status: "pending" as const,
        version,
        new_item: used.length === 0,
        dropped_keys: dropped,
      };
    });
  } catch (error) {
    // A concurrent submission took the name between the check and the insert: the index decided.
    if (isUniqueViolation(error, "items_marketplace_name_key")) {
      throw claimed ? await marketplaceNameTaken(db, claimed.type, claimed.name) : nameTaken("marketplace", "item", undefined);
    }
    if (isUniqueViolation(error, "item_versions_item_version_key")) throw new ApiError(409, "version_conflict", "That version exists.");
    throw error;
  }
}

type SubmissionRow = Awaited<ReturnType<typeof submissionsOfWorkspace>>["rows"][number];

/** The fields every view of a submission shares (the submitter's list, the admin queue). */
export function submissionSummary(r: SubmissionRow) {
  return {
    submission_id: r.submissionId,
    item_id: r.itemId,
    type: r.type,
    name: r.name,
    version: r.version,
    changelog: r.changelog,
    submitted_at: r.submittedAt.toISOString(),
  };
}

export async function listSubmissions(db: Queryable, workspaceId: string, page: { limit: number; offset: number }) {
  const { rows, total } = await submissionsOfWorkspace(db, workspaceId, page);
  const actions = await publisherActions(db, workspaceId, [...new Set(rows.map((r) => r.itemId))]);
  return {
    items: rows.map((r) => ({
      ...submissionSummary(r),
      status: r.removedAt ? ("removed" as const) : r.status,
      rejection_reason: r.rejectionReason,
      reviewed_at: r.reviewedAt ? r.reviewedAt.toISOString() : null,
      // The publisher's own list: the status and its message as stored, a takedown's reason included (design.md §35).
      version_status: r.status === "approved" ? r.versionStatus : null,
      status_message: r.status === "approved" ? r.statusMessage : null,
      // Moderation actions on this version, with the note and any appeal; never who reported (issue 29 item 3).
      moderation_actions: (actions.get(r.itemId) ?? []).filter((a) => a.version === r.version),
    })),
    total,
    ...page,
  };
}
