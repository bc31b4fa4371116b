import type { Queryable } from "../../db/client";
import { insertSkillUnlessTaken, marketplaceSkillNamed, setSkillsListed, type PluginRow, type PluginVersionRow } from "../../db/queries/plugins";
import { insertVersion } from "../../db/queries/publishing";
import { updateItem } from "../../db/queries/workspace-items";
import { contentSha256 } from "../../domain/content-hash";
import { NameSchema } from "../../domain/names";
import { parseSkillDocument } from "../../domain/plugin-skill";
import { canonicalPermissions } from "../../domain/permissions";
import { scanBundle } from "../../domain/plugin-scan";
import { cleanTags } from "../../domain/tags";
import { cleanText } from "../../domain/text";
import type { Actor } from "../auth/principal";
import { readStoredObject, storedBundleKeys } from "./bundle-storage";

/**
 * Why a SKILL.md was not made a skill: a critical or high scan finding; a name another marketplace
 * skill holds or looks like (skeleton, src/domain/names.ts); a name the rules of names refuse
 * (control, line-break, zero-width, bidi or invisible characters, nothing visible, over 200).
 */
export type SkippedReason = "scan_findings" | "name_taken" | "name_invalid";

export interface MaterialisedSkills {
  skill_ids: string[];
  /** SKILL.md files not turned into skills, and why. */
  skipped: Array<{ file: string; reason: SkippedReason }>;
}

const SKILL_FILE = /(^|\/)skill\.md$/i;

/**
 * Turns each SKILL.md of an approved plugin version into a listed marketplace skill that remembers
 * `source_plugin_version_id` (reference §6.4, design.md §8), with an approved item version so it
 * installs like any skill. Missing files or an R2 failure raise 503 `storage_unavailable` (the
 * caller's transaction rolls back). Each file is re-scanned and skipped on a critical or high finding. The
 * skills of the plugin's earlier versions are retired first; a skill of the same name (or a
 * look-alike) from an earlier version is updated in place, one held by anything else is skipped.
 * Names follow the rules of every marketplace name (issue 26 item 2): a name they refuse is
 * skipped as `name_invalid`, a taken one as `name_taken`, including a look-alike of another
 * SKILL.md of this same version and a name taken by a concurrent writer (the insert gives way
 * to the unique index without failing a statement), so no SKILL.md ever fails the approval.
 * Descriptions are cleaned of invisible characters and tags normalised as item tags.
 */
export async function materialiseSkills(
  tx: Queryable,
  bucket: R2Bucket,
  plugin: PluginRow,
  version: PluginVersionRow,
  earlierVersionIds: string[],
  actor: Actor,
): Promise<MaterialisedSkills> {
  await setSkillsListed(tx, earlierVersionIds, false, actor);
  const result: MaterialisedSkills = { skill_ids: [], skipped: [] };
  // Every file the version row counts must still be there: a bundle with files removed under it is
  // a storage fault (503), not a plugin with fewer skills.
  const keys = (await storedBundleKeys(bucket, version.storagePrefix, version.fileCount)).filter((k) => SKILL_FILE.test(k));
  for (const key of keys) {
    const file = key.slice(version.storagePrefix.length);
    const bytes = await readStoredObject(bucket, key);
    // With the version's declared permissions: a skill that uses what its plugin declared is no finding.
    const scan = scanBundle([{ path: file, bytes }], { permissions: canonicalPermissions(version.permissions) });
    if (scan.findings.some((f) => f.severity === "critical" || f.severity === "high")) {
      result.skipped.push({ file, reason: "scan_findings" });
      continue;
    }
    const doc = parseSkillDocument(file, new TextDecoder().decode(bytes), plugin.slug);
    const named = NameSchema.safeParse(doc.name);
    if (!named.success) {
      result.skipped.push({ file, reason: "name_invalid" });
      continue;
    }
    const name = named.data;
    const description = cleanText(doc.description);
    const tags = cleanTags(plugin.tags);
    const details = { skill_type: cleanText(doc.skillType) || "technical", prompt_template: doc.body };
    const fields = { name, description, tags, version: version.version, details, sourcePluginVersionId: version.id, isApproved: true, ...actor };
    const holder = await marketplaceSkillNamed(tx, name);
    if (holder && !(holder.sourcePluginVersionId && earlierVersionIds.includes(holder.sourcePluginVersionId))) {
      result.skipped.push({ file, reason: "name_taken" });
      continue;
    }
    // An earlier version's skill keeps its row (and takes this spelling of the name: same skeleton, so no clash).
    const item = holder
      ? await updateItem(tx, holder.id, fields)
      : await insertSkillUnlessTaken(tx, { type: "skill", ownerType: "marketplace", ownerId: null, workspaceId: null, ...fields });
    if (!item) {
      result.skipped.push({ file, reason: "name_taken" });
      continue;
    }
    const content = { name, description, tags, icon: null, category: null, details };
    const itemVersion = await insertVersion(tx, {
      itemId: item.id,
      version: version.version,
      content,
      contentSha256: await contentSha256(content),
      reviewStatus: "approved",
      reviewedByUserId: actor.actorType === "user" ? actor.actorId : null,
      reviewedAt: new Date(),
      ...actor,
    });
    await updateItem(tx, item.id, { latestVersionId: itemVersion.id });
    result.skill_ids.push(item.id);
  }
  return result;
}
