import type { Queryable } from "../../db/client";
import { marketplaceSkillNamed, setSkillsListed, type PluginRow, type PluginVersionRow } from "../../db/queries/plugins";
import { insertVersion } from "../../db/queries/publishing";
import { insertItem, updateItem } from "../../db/queries/workspace-items";
import { contentSha256 } from "../../domain/content-hash";
import { parseSkillDocument } from "../../domain/plugin-skill";
import { scanBundle } from "../../domain/plugin-scan";
import type { Actor } from "../auth/principal";
import { readStoredObject, storedBundleKeys } from "./bundle-storage";

export interface MaterialisedSkills {
  skill_ids: string[];
  /** SKILL.md files not turned into skills, and why. */
  skipped: Array<{ file: string; reason: "scan_findings" | "name_taken" }>;
}

const SKILL_FILE = /(^|\/)skill\.md$/i;

/**
 * Turns each SKILL.md of an approved plugin version into a listed marketplace skill that remembers
 * `source_plugin_version_id` (reference §6.4, design.md §8), with an approved item version so it
 * installs like any skill. Missing files or an R2 failure raise 503 `storage_unavailable` (the
 * caller's transaction rolls back). Each file is re-scanned and skipped on a critical or high finding. The
 * skills of the plugin's earlier versions are retired first; a skill of the same name from an
 * earlier version is updated in place, one held by anything else is skipped.
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
    const scan = scanBundle([{ path: file, bytes }]);
    if (scan.findings.some((f) => f.severity === "critical" || f.severity === "high")) {
      result.skipped.push({ file, reason: "scan_findings" });
      continue;
    }
    const doc = parseSkillDocument(file, new TextDecoder().decode(bytes), plugin.slug);
    const details = { skill_type: doc.skillType, prompt_template: doc.body };
    const fields = { description: doc.description, tags: plugin.tags, version: version.version, details, sourcePluginVersionId: version.id, isApproved: true, ...actor };
    const holder = await marketplaceSkillNamed(tx, doc.name);
    if (holder && !(holder.sourcePluginVersionId && earlierVersionIds.includes(holder.sourcePluginVersionId))) {
      result.skipped.push({ file, reason: "name_taken" });
      continue;
    }
    const item = holder
      ? await updateItem(tx, holder.id, fields)
      : await insertItem(tx, { type: "skill", name: doc.name, ownerType: "marketplace", ownerId: null, workspaceId: null, ...fields });
    const content = { name: doc.name, description: doc.description, tags: plugin.tags, icon: null, category: null, details };
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
