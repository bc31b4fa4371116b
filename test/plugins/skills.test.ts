import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { parseSkillDocument } from "../../src/domain/plugin-skill";
import { adminHeaders, post } from "../publishing/helpers";
import { useDatabase } from "../helpers/db";
import { api } from "../helpers/http";
import { bundle, CLEAN_FILES, manifestFor, uniqueSlug, upload } from "./fixtures";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

async function approvedPlugin(slug: string, files: Record<string, string>, version = "1.0.0") {
  const up = (await (await upload(bundle({ slug, files, manifest: manifestFor(slug, { version }) }), admin)).json()) as { plugin_id: string; version_id: string };
  const approved = await post(`/api/admin/plugins/${up.plugin_id}/approve`, { version }, admin);
  expect(approved.status).toBe(200);
  return { ...up, approval: (await approved.json()) as { materialized_skill_ids: string[]; skipped_skill_files: Array<{ file: string; reason: string }> } };
}

async function skill(id: string) {
  const [row] = await db().select().from(schema.items).where(eq(schema.items.id, id));
  return row!;
}

describe("approving materialises each SKILL.md as a marketplace skill", () => {
  it("with name and description from the YAML front matter, the prompt from the body, and the plugin version remembered", async () => {
    const slug = uniqueSlug();
    // The directory names the skill without front matter: unique per run, as marketplace names are
    // unique and a kept test database still holds the last run's skill.
    const second = `second-${slug}`;
    const files = { ...CLEAN_FILES, [`skills/${second}/SKILL.md`]: "No front matter here.\n" };
    const { version_id, approval } = await approvedPlugin(slug, files);
    expect(approval.materialized_skill_ids).toHaveLength(2);
    const rows = await Promise.all(approval.materialized_skill_ids.map(skill));
    const named = rows.find((r) => r.name === `${slug}-review`)!;
    expect(named).toMatchObject({ type: "skill", ownerType: "marketplace", isApproved: true, description: "Reviews diffs", sourcePluginVersionId: version_id, version: "1.0.0" });
    expect(named.details).toMatchObject({ skill_type: "technical", prompt_template: "# Review\nRead the diff and point out bugs, one per line.\n" });
    expect(named.latestVersionId).not.toBeNull();
    expect(rows.map((r) => r.name)).toContain(second);
    const detail = await api(`/api/marketplace/items/${named.id}`, { headers: admin });
    expect(detail.status).toBe(200);
  });

  it("re-scans each SKILL.md and skips one with a high finding", async () => {
    const slug = uniqueSlug();
    // Reads a secret the plugin's manifest does not declare: a high `undeclared_capability` finding.
    const files = { ...CLEAN_FILES, "skills/env/SKILL.md": "---\nname: env-reader\n---\nRun `node -e 'console.log(process.env.OPENAI_API_KEY)'` for the user.\n" };
    const { approval } = await approvedPlugin(slug, files);
    expect(approval.skipped_skill_files).toEqual([{ file: "skills/env/SKILL.md", reason: "scan_findings" }]);
    expect(approval.materialized_skill_ids).toHaveLength(1);
  });

  it("skips a skill whose name another marketplace skill holds", async () => {
    const first = uniqueSlug();
    await approvedPlugin(first, CLEAN_FILES);
    const slug = uniqueSlug();
    const files = { ...CLEAN_FILES, "skills/review/SKILL.md": `---\nname: ${first}-review\n---\nbody\n` };
    const { approval } = await approvedPlugin(slug, files);
    expect(approval.skipped_skill_files).toEqual([{ file: "skills/review/SKILL.md", reason: "name_taken" }]);
  });

  it("a newer approved version updates its skill in place and retires skills it no longer has", async () => {
    const slug = uniqueSlug();
    const v1 = await approvedPlugin(slug, { ...CLEAN_FILES, "skills/old/SKILL.md": "---\nname: " + slug + "-old\n---\nold\n" });
    const v1Rows = await Promise.all(v1.approval.materialized_skill_ids.map(skill));
    const reviewId = v1Rows.find((r) => r.name === `${slug}-review`)?.id;
    const oldId = v1Rows.find((r) => r.name === `${slug}-old`)?.id;
    const v2 = await approvedPlugin(slug, CLEAN_FILES, "1.1.0");
    expect(v2.approval.materialized_skill_ids).toEqual([reviewId]);
    expect(await skill(reviewId!)).toMatchObject({ isApproved: true, version: "1.1.0", sourcePluginVersionId: v2.version_id });
    expect((await skill(oldId!)).isApproved).toBe(false);
  });
});

describe("deactivating or deleting a plugin retires its skills", () => {
  it("deactivate takes them out of the catalog, reactivate brings the listed version's back", async () => {
    const { plugin_id, approval } = await approvedPlugin(uniqueSlug(), CLEAN_FILES);
    const id = approval.materialized_skill_ids[0]!;
    await post(`/api/admin/plugins/${plugin_id}/deactivate`, {}, admin);
    expect((await skill(id)).isApproved).toBe(false);
    expect((await api(`/api/marketplace/items/${id}`, { headers: (await import("../helpers/auth")).bearer((await (await import("../helpers/auth")).signedInUser(db())).token) })).status).toBe(404);
    await post(`/api/admin/plugins/${plugin_id}/reactivate`, {}, admin);
    expect((await skill(id)).isApproved).toBe(true);
  });

  it("delete retires them in the same transaction", async () => {
    const { plugin_id, approval } = await approvedPlugin(uniqueSlug(), CLEAN_FILES);
    const id = approval.materialized_skill_ids[0]!;
    expect((await api(`/api/admin/plugins/${plugin_id}`, { method: "DELETE", headers: admin })).status).toBe(200);
    expect(await skill(id)).toMatchObject({ isApproved: false, sourcePluginVersionId: null });
  });
});

describe("parseSkillDocument", () => {
  it("falls back to the folder name, and ignores front matter that is not a mapping or not YAML", () => {
    expect(parseSkillDocument("skills/lint/SKILL.md", "---\n- a\n- b\n---\nbody", "p").name).toBe("lint");
    expect(parseSkillDocument("skills/lint/SKILL.md", "---\nname: [unclosed\n---\nbody", "p")).toMatchObject({ name: "lint", body: "body" });
    expect(parseSkillDocument("SKILL.md", "just text", "plug").name).toBe("plug-skill");
  });
});
