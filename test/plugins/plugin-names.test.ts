// @module-tag pglite (approval and status changes append events under an advisory lock; name_skeleton from migration 0007)
import { env } from "cloudflare:workers";
import { and, desc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import * as schema from "../../src/db/schema";
import { nameSkeleton } from "../../src/domain/names";
import { createLogger } from "../../src/lib/logger";
import { changePluginVersionStatus } from "../../src/services/version-status";
import { bearer, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { problem } from "../helpers/http";
import { post } from "../publishing/helpers";
import { bundle, CLEAN_FILES, manifestFor, uniqueSlug, upload } from "./fixtures";

// Issue 26 item 2: plugin names, tags and text, and the names of the skills a plugin version
// materialises, follow the rules of every other name (src/domain/names.ts, src/domain/tags.ts).

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
let adminUserId: string;

beforeAll(async () => {
  const signed = await signedInUser(db(), { systemRole: "admin" });
  admin = bearer(signed.token);
  adminUserId = signed.user.id;
});

interface Approval {
  materialized_skill_ids: string[];
  skipped_skill_files: Array<{ file: string; reason: string }>;
}

async function uploadOk(slug: string, manifest: Record<string, unknown>, files: Record<string, string> = CLEAN_FILES) {
  const response = await upload(bundle({ slug, files, manifest }), admin);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { plugin_id: string; name: string };
}

const approve = (pluginId: string, version?: string) => post(`/api/admin/plugins/${pluginId}/approve`, version ? { version } : {}, admin);

async function approveOk(pluginId: string, version?: string): Promise<Approval> {
  const response = await approve(pluginId, version);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Approval;
}

async function pluginRow(id: string) {
  const [row] = await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.id, id));
  return row!;
}

async function skillNames(ids: string[]) {
  const rows = await Promise.all(ids.map(async (id) => (await db().select().from(schema.items).where(eq(schema.items.id, id)))[0]!));
  return rows.map((r) => r.name);
}

const skillFile = (name: string, extra = "") => `---\nname: ${name}\n${extra}---\nDo the work.\n`;

describe("materialised skills: a name taken or refused is skipped, never fatal", () => {
  it("three look-alike SKILL.md names in one version (case and spacing, Cyrillic, full-width): approved, one skill, two skipped as name_taken", async () => {
    const slug = uniqueSlug();
    const base = `Ticket Triage ${uniqueToken().toLowerCase()}`;
    const files = {
      ...CLEAN_FILES,
      "skills/a/SKILL.md": skillFile(base),
      "skills/b/SKILL.md": skillFile(base.replace("c", "\u0441")),
      "skills/c/SKILL.md": skillFile(`"${base.toUpperCase().replace(" ", "  ")}"`),
      "skills/d/SKILL.md": skillFile(`"${[...base].map((c) => (c >= "a" && c <= "z" ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join("")}"`),
    };
    const { plugin_id } = await uploadOk(slug, manifestFor(slug), files);
    const approval = await approveOk(plugin_id);
    expect(approval.skipped_skill_files.sort((x, y) => x.file.localeCompare(y.file))).toEqual([
      { file: "skills/b/SKILL.md", reason: "name_taken" },
      { file: "skills/c/SKILL.md", reason: "name_taken" },
      { file: "skills/d/SKILL.md", reason: "name_taken" },
    ]);
    expect(await skillNames(approval.materialized_skill_ids)).toEqual(expect.arrayContaining([base, `${slug}-review`]));
    expect(approval.materialized_skill_ids).toHaveLength(2);
  });

  it("a look-alike of another plugin's skill is skipped as name_taken (not a 409 from the unique index)", async () => {
    const first = uniqueSlug();
    const name = `Release Notes ${uniqueToken().toLowerCase()}`;
    await approveOk((await uploadOk(first, manifestFor(first), { ...CLEAN_FILES, "skills/notes/SKILL.md": skillFile(name) })).plugin_id);
    const second = uniqueSlug();
    const lookalike = name.replace("e", "\u0435");
    const { plugin_id } = await uploadOk(second, manifestFor(second), { ...CLEAN_FILES, "skills/notes/SKILL.md": skillFile(lookalike) });
    const approval = await approveOk(plugin_id);
    expect(approval.skipped_skill_files).toEqual([{ file: "skills/notes/SKILL.md", reason: "name_taken" }]);
  });

  it("names the rules refuse (line break, zero-width, control character, nothing visible, over 200) are skipped as name_invalid", async () => {
    const slug = uniqueSlug();
    // YAML escapes: the file's bytes are plain ASCII (nothing for the scanner), the parsed names are not.
    const files = {
      ...CLEAN_FILES,
      "skills/newline/SKILL.md": skillFile(`"Two\\nLines ${slug}"`),
      "skills/zero-width/SKILL.md": skillFile(`"Zero\\u200bWidth ${slug}"`),
      "skills/bell/SKILL.md": skillFile(`"Bell\\a ${slug}"`),
      "skills/invisible/SKILL.md": skillFile(`"\\u2060"`),
      "skills/long/SKILL.md": skillFile(`Long name ${slug} `.repeat(12).trim()),
    };
    const { plugin_id } = await uploadOk(slug, manifestFor(slug), files);
    const approval = await approveOk(plugin_id);
    expect(approval.skipped_skill_files.sort((x, y) => x.file.localeCompare(y.file))).toEqual(
      ["bell", "invisible", "long", "newline", "zero-width"].map((d) => ({ file: `skills/${d}/SKILL.md`, reason: "name_invalid" })),
    );
    expect(await skillNames(approval.materialized_skill_ids)).toEqual([`${slug}-review`]);
  });

  it("a skill's description is cleaned of invisible characters, its name normalised and its tags those of the plugin, normalised", async () => {
    const slug = uniqueSlug();
    const files = { ...CLEAN_FILES, "skills/review/SKILL.md": skillFile(`"  Review\\u00a0 ${slug}  "`, 'description: "Checks\\u200b diffs\\nline two"\n') };
    const { plugin_id } = await uploadOk(slug, manifestFor(slug, { tags: ["Review", "CODE  Quality", "review"] }), files);
    const approval = await approveOk(plugin_id);
    const [skill] = await db().select().from(schema.items).where(eq(schema.items.id, approval.materialized_skill_ids[0]!));
    expect(skill).toMatchObject({ name: `Review ${slug}`, nameSkeleton: nameSkeleton(`Review ${slug}`), description: "Checks diffs line two", tags: ["review", "code quality"] });
  });
});

describe("plugin names: unique among plugins by look-alike skeleton", () => {
  it("a first upload whose name looks like another plugin's answers 409 name_taken naming it, and stores nothing", async () => {
    const slug = uniqueSlug();
    const name = `Deploy Guard ${uniqueToken().toLowerCase()}`;
    const held = await uploadOk(slug, manifestFor(slug, { name }));
    for (const lookalike of [name.toUpperCase(), name.replace("o", "\u043e"), name.replace(" ", "\u00a0\u00a0"), name.replace("D", "\uff24")]) {
      const other = uniqueSlug();
      const response = await upload(bundle({ slug: other, manifest: manifestFor(other, { name: lookalike }) }), admin);
      expect(response.status).toBe(409);
      const body = (await problem(response)) as unknown as { code: string; existing_plugin: { id: string; name: string } };
      expect(body).toMatchObject({ code: "name_taken", existing_plugin: { id: held.plugin_id, name } });
      expect(await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.slug, other))).toEqual([]);
    }
  });

  it("a new version may keep (or respell) its own name, and may not take another plugin's", async () => {
    const [a, b] = [uniqueSlug(), uniqueSlug()];
    const nameA = `Alpha ${uniqueToken().toLowerCase()}`;
    const nameB = `Beta ${uniqueToken().toLowerCase()}`;
    const { plugin_id } = await uploadOk(a, manifestFor(a, { name: nameA }));
    await approveOk(plugin_id);
    await uploadOk(b, manifestFor(b, { name: nameB }));
    await uploadOk(a, manifestFor(a, { name: nameA.toUpperCase(), version: "1.1.0" }));
    const taken = await upload(bundle({ slug: a, manifest: manifestFor(a, { name: nameB, version: "1.2.0" }) }), admin);
    expect(taken.status).toBe(409);
    expect((await problem(taken)).code).toBe("name_taken");
    await approveOk(plugin_id, "1.1.0");
    expect(await pluginRow(plugin_id)).toMatchObject({ name: nameA.toUpperCase(), nameSkeleton: nameSkeleton(nameA) });
  });

  it("approving a version whose name another plugin took since the upload answers 409 name_taken and approves nothing", async () => {
    const [a, b] = [uniqueSlug(), uniqueSlug()];
    const wanted = `Gamma ${uniqueToken().toLowerCase()}`;
    const { plugin_id } = await uploadOk(a, manifestFor(a));
    await approveOk(plugin_id);
    await uploadOk(a, manifestFor(a, { name: wanted, version: "1.1.0" }));
    // The name was free at that upload (plugin a still had its old one), so b may take it now.
    await uploadOk(b, manifestFor(b, { name: wanted.replace("a", "\u0430") }));
    const response = await approve(plugin_id, "1.1.0");
    expect(response.status).toBe(409);
    expect((await problem(response)).code).toBe("name_taken");
    const [version] = await db().select().from(schema.pluginVersions).where(and(eq(schema.pluginVersions.pluginId, plugin_id), eq(schema.pluginVersions.version, "1.1.0")));
    expect(version!.approvalStatus).toBe("pending");
  });

  it("a status change that lists an older version whose name another plugin now holds keeps the current name, and the audit row says so", async () => {
    const [a, b] = [uniqueSlug(), uniqueSlug()];
    const first = `Delta ${uniqueToken().toLowerCase()}`;
    const second = `Epsilon ${uniqueToken().toLowerCase()}`;
    const { plugin_id } = await uploadOk(a, manifestFor(a, { name: first }));
    await approveOk(plugin_id);
    await uploadOk(a, manifestFor(a, { name: second, version: "1.1.0" }));
    await approveOk(plugin_id, "1.1.0");
    await uploadOk(b, manifestFor(b, { name: first.toUpperCase() }));
    const deps = { db: db(), cache: createCache(env, createLogger({})), actor: { actorType: "user" as const, actorId: adminUserId }, requestId: null };
    const changed = await changePluginVersionStatus(deps, plugin_id, { version: "1.1.0", status: "yanked", message: "Broken", requester: "admin" });
    expect(changed.listed_version).toBe("1.0.0");
    expect(await pluginRow(plugin_id)).toMatchObject({ name: second, nameSkeleton: nameSkeleton(second) });
    const [audit] = await db()
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.action, "version.status"), sql`${schema.auditLog.details} ->> 'plugin_id' = ${plugin_id}`))
      .orderBy(desc(schema.auditLog.createdAt))
      .limit(1);
    expect(audit!.details).toMatchObject({ plugin_id, name_kept: true, listed_version: "1.0.0" });
  });

  it("without a clash, that status change mirrors the listed version's name and normalised tags", async () => {
    const a = uniqueSlug();
    const first = `Zeta ${uniqueToken().toLowerCase()}`;
    const { plugin_id } = await uploadOk(a, manifestFor(a, { name: first, tags: ["One", "one", "TWO"] }));
    await approveOk(plugin_id);
    await uploadOk(a, manifestFor(a, { name: `Eta ${uniqueToken()}`, version: "1.1.0", tags: ["three"] }));
    await approveOk(plugin_id, "1.1.0");
    const deps = { db: db(), cache: createCache(env, createLogger({})), actor: { actorType: "user" as const, actorId: adminUserId }, requestId: null };
    await changePluginVersionStatus(deps, plugin_id, { version: "1.1.0", status: "yanked", message: "Broken", requester: "admin" });
    expect(await pluginRow(plugin_id)).toMatchObject({ name: first, nameSkeleton: nameSkeleton(first), tags: ["one", "two"] });
  });
});

describe("plugin manifests: names, tags and text under the rules of names", () => {
  it("stores the name NFC with spaces collapsed and the tags lower-case and de-duplicated", async () => {
    const slug = uniqueSlug();
    const token = uniqueToken().toLowerCase();
    const { plugin_id, name } = await uploadOk(slug, manifestFor(slug, { name: `  Cafe\u0301\u00a0 Kit ${token} `, tags: ["Review", "review", " CODE\u00a0 quality "] }));
    expect(name).toBe(`Caf\u00e9 Kit ${token}`);
    expect(await pluginRow(plugin_id)).toMatchObject({ name: `Caf\u00e9 Kit ${token}`, nameSkeleton: nameSkeleton(name), tags: ["review", "code quality"] });
  });

  const refused: Array<[string, Record<string, unknown>, string]> = [
    ["a name with a line break", { name: "PR Review Kit\n## Tools" }, "manifest.name"],
    ["a name with a carriage return", { name: "PR Review Kit\r" }, "manifest.name"],
    ["a name with a bidi override", { name: "Kit \u202Eevil" }, "manifest.name"],
    ["a name with a zero-width space", { name: "PR\u200BReview" }, "manifest.name"],
    ["a name with a control character", { name: "Bell\u0007Kit" }, "manifest.name"],
    ["a name with a line separator", { name: "A\u2028B" }, "manifest.name"],
    ["a name with nothing visible", { name: "\u2060\u00a0" }, "manifest.name"],
    ["a name over 200 characters", { name: "k".repeat(201) }, "manifest.name"],
    ["a name that is not a string", { name: 42 }, "manifest.name"],
    ["a tag with a comma", { tags: ["a,b"] }, "manifest.tags.0"],
    ["a tag with a zero-width joiner", { tags: ["re\u200Dview"] }, "manifest.tags.0"],
    ["an author with a line break", { author: "Ann\nBob" }, "manifest.author"],
    ["a license with a bidi isolate", { license: "MIT\u2066" }, "manifest.license"],
    ["a description with a bidi override", { description: "Helps \u202Ereview" }, "manifest.description"],
    ["a changelog with a zero-width space", { changelog: "Fixed\u200B." }, "manifest.changelog"],
    ["a listed tool's name with a line break", { contents: { tools: [{ name: "fetch\n## Tools" }] } }, "manifest.contents.tools.0.name"],
  ];
  for (const [what, override, path] of refused) {
    it(`answers 400 manifest_invalid for ${what}, naming ${path}`, async () => {
      const slug = uniqueSlug();
      const response = await upload(bundle({ slug, manifest: manifestFor(slug, override) }), admin);
      expect(response.status).toBe(400);
      const body = (await problem(response)) as unknown as { code: string; errors: Array<{ path: string }> };
      expect(body.code).toBe("manifest_invalid");
      expect(body.errors.map((e) => e.path)).toContain(path);
    });
  }

  it("keeps line breaks and tabs in descriptions", async () => {
    const slug = uniqueSlug();
    const { plugin_id } = await uploadOk(slug, manifestFor(slug, { description: "Line one\r\n\tLine two" }));
    expect((await pluginRow(plugin_id)).description).toBe("Line one\n\tLine two");
  });
});
