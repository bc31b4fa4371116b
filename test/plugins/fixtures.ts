import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { strToU8, zipSync, type Zippable } from "fflate";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";

/** A fresh valid slug per call, so tests never share plugin rows or R2 prefixes. */
export const uniqueSlug = (prefix = "plg") => `${prefix}-${uniqueToken().toLowerCase().replace(/[^a-z0-9-]/g, "")}`.slice(0, 60);

export function manifestFor(slug: string, overrides: Record<string, unknown> = {}) {
  return {
    slug,
    name: `Plugin ${slug}`,
    version: "1.0.0",
    description: "Helps review pull requests.",
    author: "Test Author",
    license: "MIT",
    tags: ["review"],
    recommended_models: ["model-a"],
    contents: { skills: ["skills/review/SKILL.md"], commands: ["commands/review.md"] },
    ...overrides,
  };
}

/** Skill names are unique across the marketplace, so each bundle's skill is named after its slug. */
export const skillMd = (slug: string) => `---\nname: ${slug}-review\ndescription: Reviews diffs\n---\n# Review\nRead the diff and point out bugs, one per line.\n`;

export const CLEAN_FILES: Record<string, string> = {
  "skills/review/SKILL.md": skillMd("shared"),
  "commands/review.md": "# /review\nSummarise the change in three bullet points.\n",
  "README.md": "A small, clean plugin.\n",
};

/**
 * The manifest with every file of `paths` it does not list yet added to its `contents` (a SKILL.md
 * under `skills`, anything else under `commands`), as an honest publisher lists them: a bundle may
 * hold only listed files besides manifest.json, README.md and LICENSE (issue 28 item 6).
 */
export function listingAll(manifest: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const contents = { ...((manifest.contents ?? {}) as Record<string, unknown[]>) };
  const listed = Object.values(contents).flatMap((entries) => (entries ?? []).map((e) => (typeof e === "string" ? e : (e as { path?: string }).path)).filter(Boolean) as string[]);
  const unlisted = unlistedPaths(listed, paths);
  if (!unlisted.length) return manifest;
  for (const path of unlisted) {
    const group = /(^|\/)SKILL\.md$/.test(path) ? "skills" : "commands";
    contents[group] = [...(contents[group] ?? []), path];
  }
  return { ...manifest, contents };
}

function unlistedPaths(listed: string[], paths: string[]): string[] {
  const folders = listed.map((p) => p.replace(/\/$/, "") + "/");
  return paths.filter((p) => !["manifest.json", "README.md", "LICENSE"].includes(p) && !listed.includes(p) && !folders.some((f) => p.startsWith(f)));
}

/**
 * A zip built by fflate from text files plus a manifest (omit with `manifest: null`). The manifest
 * lists every file (listingAll) unless `keepUnlisted` is set, for tests of the unlisted-file rule.
 */
export function bundle(opts: {
  slug: string;
  files?: Record<string, string | Uint8Array>;
  manifest?: Record<string, unknown> | null;
  level?: 0 | 9;
  keepUnlisted?: boolean;
}): Uint8Array {
  const data: Zippable = {};
  const files = { ...(opts.files ?? CLEAN_FILES) };
  if (files["skills/review/SKILL.md"] === CLEAN_FILES["skills/review/SKILL.md"]) files["skills/review/SKILL.md"] = skillMd(opts.slug);
  for (const [path, content] of Object.entries(files)) data[path] = typeof content === "string" ? strToU8(content) : content;
  if (opts.manifest !== null) {
    const manifest = opts.manifest ?? manifestFor(opts.slug);
    data["manifest.json"] = strToU8(JSON.stringify(opts.keepUnlisted ? manifest : listingAll(manifest, Object.keys(files))));
  }
  return zipSync(data, { level: opts.level ?? 6 });
}

/** A zip whose one entry is a Unix symbolic link (mode 0120777 in the external attributes). */
export function symlinkBundle(slug: string): Uint8Array {
  return zipSync({
    "manifest.json": strToU8(JSON.stringify(manifestFor(slug, { contents: {} }))),
    "skills/link": [strToU8("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
  });
}

/**
 * Rewrites the uncompressed size that both the local header and the central directory declare
 * for `path`: how a bomb lies about its size.
 */
export function lieAboutSize(zip: Uint8Array, path: string, declared: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const name = strToU8(path);
  const matchesAt = (at: number) => name.every((b, i) => out[at + i] === b);
  for (let at = 0; at + 46 < out.length; at++) {
    const sig = view.getUint32(at, true);
    if (sig === 0x04034b50 && view.getUint16(at + 26, true) === name.length && matchesAt(at + 30)) view.setUint32(at + 22, declared, true);
    if (sig === 0x02014b50 && view.getUint16(at + 28, true) === name.length && matchesAt(at + 46)) view.setUint32(at + 24, declared, true);
  }
  return out;
}

export function uploadRequest(bytes: Uint8Array, headers: Record<string, string>, filename = "plugin.zip"): RequestInit {
  const form = new FormData();
  form.append("file", new File([bytes], filename, { type: "application/zip" }));
  return { method: "POST", headers, body: form };
}

export const upload = (bytes: Uint8Array, headers: Record<string, string>) => api("/api/admin/plugins/upload", uploadRequest(bytes, headers));

export async function storedKeys(slug: string): Promise<string[]> {
  const listed = await env.BUNDLES.list({ prefix: `plugins/${slug}/` });
  return listed.objects.map((o) => o.key);
}

/** What the plugin tables and R2 hold for a slug: empty after every refusal. */
export async function leftovers(db: Database, slug: string) {
  const plugins = await db.select({ id: schema.marketplacePlugins.id }).from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.slug, slug));
  const versions = await db
    .select({ id: schema.pluginVersions.id })
    .from(schema.pluginVersions)
    .where(eq(schema.pluginVersions.storagePrefix, `plugins/${slug}/1.0.0/`));
  return { plugins: plugins.length, versions: versions.length, objects: (await storedKeys(slug)).length };
}

export const NOTHING = { plugins: 0, versions: 0, objects: 0 };
