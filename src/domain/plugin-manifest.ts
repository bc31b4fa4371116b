import { z } from "zod";
import { NameSchema } from "./names";
import { PermissionsManifestSchema } from "./permissions";
import { parseSemver } from "./semver";
import { TagsSchema } from "./tags";
import { codePoints, forbiddenCharacter, forbiddenMessage, hasVisibleCharacter, normalizeText } from "./text";

/**
 * The `manifest.json` at a plugin bundle's root (issue 14; fields of the original in reference §6.1.4).
 * The slug becomes an R2 key prefix, so it is closed: lower-case `a-z0-9-`, 3–63 characters (the
 * database CHECK `marketplace_plugins_slug_check` allows at most 63), starting with a letter or digit.
 */
export const PLUGIN_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{2,62}$/;

/** Slugs that read as routes or system names in URLs and storage. */
export const RESERVED_PLUGIN_SLUGS = new Set([
  "admin", "api", "all", "new", "pending", "upload", "plugins", "plugin", "marketplace", "system",
  "null", "undefined", "health", "docs", "static", "assets", "internal", "categories", "featured",
]);

/**
 * One line of text other tenants read (author, license, a listed entry's name, a model id), under
 * the rule of names (src/domain/names.ts, issue 26 item 2): NFC with spaces collapsed, at least one
 * visible character, at most `max` code points, and no control, line-break, zero-width, bidi or
 * other invisible character.
 */
const lineText = (max: number) =>
  z
    .string()
    .overwrite(normalizeText)
    .superRefine((text, ctx) => {
      if (forbiddenCharacter(text)) ctx.addIssue({ code: "custom", message: forbiddenMessage(text) });
      else if (!hasVisibleCharacter(text)) ctx.addIssue({ code: "custom", message: "must contain a visible character" });
      else if (codePoints(text) > max) ctx.addIssue({ code: "custom", message: `must be at most ${max} characters` });
    });

/**
 * Prose other tenants read (descriptions, a changelog): NFC, CR LF and CR read as LF, trimmed;
 * line breaks and tabs are kept, every other control, zero-width, bidi or invisible character is
 * refused, as in names. At most `max` code points.
 */
const proseText = (max: number) =>
  z
    .string()
    .overwrite((text) => text.normalize("NFC").replace(/\r\n?/g, "\n").trim())
    .superRefine((text, ctx) => {
      const inLine = text.replace(/[\n\t]/g, " ");
      if (forbiddenCharacter(inLine)) ctx.addIssue({ code: "custom", message: forbiddenMessage(inLine) });
      else if (codePoints(text) > max) ctx.addIssue({ code: "custom", message: `must be at most ${max} characters` });
    });

const ContentPath = z.string().min(1).max(512);
const ContentEntry = z.union([
  ContentPath,
  z.object({ path: ContentPath, name: lineText(200).optional(), description: proseText(2000).optional() }),
]);
const ToolEntry = z.object({ name: lineText(200), description: proseText(2000).optional(), path: ContentPath.optional() });

export const PluginManifestSchema = z.object({
  slug: z
    .string()
    .regex(PLUGIN_SLUG_PATTERN, "lower-case letters, digits and '-', 3–63 characters, not starting with '-'")
    .refine((s) => !RESERVED_PLUGIN_SLUGS.has(s), "this slug is reserved"),
  /** The rules of every marketplace name (src/domain/names.ts); unique among plugins by look-alike skeleton. */
  name: NameSchema,
  version: z.string().max(100).refine((v) => parseSemver(v) !== null, "must be a semantic version such as 1.0.0"),
  description: proseText(2000).refine((text) => hasVisibleCharacter(text), "must contain a visible character"),
  long_description: proseText(20000).optional(),
  /** What changed in this version; workspaces see it in `update_details` of their enabled list (issue 15 item 2). */
  changelog: proseText(20000).optional(),
  author: lineText(200),
  license: lineText(100).optional(),
  /** Normalised as item tags are (src/domain/tags.ts): lower-case, de-duplicated, no commas or invisible characters. */
  tags: TagsSchema.default([]),
  recommended_models: z.array(lineText(100)).max(20).default([]),
  token_estimate: z.number().int().min(0).max(10_000_000).default(0),
  contents: z
    .object({
      skills: z.array(ContentEntry).max(500).default([]),
      commands: z.array(ContentEntry).max(500).default([]),
      agents: z.array(ContentEntry).max(500).default([]),
      hooks: z.array(ContentEntry).max(500).default([]),
      tools: z.array(ToolEntry).max(500).default([]),
    })
    .default({ skills: [], commands: [], agents: [], hooks: [], tools: [] }),
  /**
   * What the content may use (issue 28 item 5; design.md §42): network hosts, environment
   * variables, shell, file access, catalog tools. Absent means none.
   */
  permissions: PermissionsManifestSchema,
});

export type PluginManifest = z.infer<typeof PluginManifestSchema>;

export interface ManifestFieldError {
  path: string;
  message: string;
}

export type ManifestResult =
  | { ok: true; manifest: PluginManifest }
  | { ok: false; code: "manifest_missing" | "manifest_invalid"; detail: string; errors: ManifestFieldError[] };

function pathOf(entry: z.infer<typeof ContentEntry> | z.infer<typeof ToolEntry>): string | undefined {
  return typeof entry === "string" ? entry : entry.path;
}

/** Every path the manifest lists under `contents` (files or folders), as written. */
export function listedPaths(manifest: PluginManifest): string[] {
  return Object.values(manifest.contents).flatMap((entries) => entries.map(pathOf).filter((p): p is string => p !== undefined));
}

/**
 * Validates the bundle's manifest against its files: every path under `contents` must name a file
 * in the archive or a folder holding at least one.
 */
export function validateManifest(files: ReadonlyMap<string, Uint8Array>): ManifestResult {
  const raw = files.get("manifest.json");
  if (!raw) return { ok: false, code: "manifest_missing", detail: "The archive has no manifest.json at its root.", errors: [] };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(raw));
  } catch {
    return { ok: false, code: "manifest_invalid", detail: "manifest.json is not valid UTF-8 JSON.", errors: [{ path: "manifest", message: "not valid JSON" }] };
  }
  const parsed = PluginManifestSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      code: "manifest_invalid",
      detail: "manifest.json did not pass validation.",
      errors: parsed.error.issues.map((i) => ({ path: ["manifest", ...i.path.map(String)].join("."), message: i.message })),
    };
  }
  const paths = [...files.keys()];
  const errors: ManifestFieldError[] = [];
  for (const [group, entries] of Object.entries(parsed.data.contents)) {
    entries.forEach((entry, index) => {
      const path = pathOf(entry);
      if (path === undefined) return;
      const folder = path.replace(/\/$/, "") + "/";
      if (!files.has(path) && !paths.some((p) => p.startsWith(folder))) {
        errors.push({ path: `manifest.contents.${group}.${index}`, message: `'${path}' is not in the archive` });
      }
    });
  }
  if (errors.length) return { ok: false, code: "manifest_invalid", detail: "manifest.json names files the archive does not hold.", errors };
  return { ok: true, manifest: parsed.data };
}
