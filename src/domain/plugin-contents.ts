/**
 * The skills, commands, agents and tools a plugin's manifest lists, as the marketplace detail shows
 * them (issue 15 item 1; the original's naming rule is in reference §2.3). The manifest was
 * validated at upload (plugin-manifest.ts), but stored JSON is read defensively: anything that is
 * not an entry is skipped rather than failing the detail.
 */

export interface ContentEntry {
  name: string;
  description: string | null;
  path: string | null;
}

export interface PluginContents {
  skills: ContentEntry[];
  commands: ContentEntry[];
  agents: ContentEntry[];
  tools: ContentEntry[];
}

/** File names that say nothing about their content: the folder holding them names the entry. */
const GENERIC_FILES = new Set(["skill", "readme", "index", "main", "agent", "command"]);

/**
 * A display name from a path: the file name without its extension (or its folder's name when the
 * file name is generic, e.g. `skills/pr-review/SKILL.md`), `-` and `_` as spaces, words capitalised.
 */
export function displayNameOf(path: string): string {
  const parts = path.replace(/\/+$/, "").split("/").filter(Boolean);
  let base = (parts.at(-1) ?? path).replace(/\.[^.]+$/, "");
  if (GENERIC_FILES.has(base.toLowerCase()) && parts.length > 1) base = parts.at(-2)!;
  return base
    .replace(/[-_]+/g, " ")
    .trim()
    .replace(/\b\p{L}/gu, (c) => c.toUpperCase());
}

const text = (value: unknown): string | null => (typeof value === "string" && value.trim() !== "" ? value : null);

function entryOf(raw: unknown, nameRequired: boolean): ContentEntry | null {
  if (typeof raw === "string") return { name: displayNameOf(raw), description: null, path: raw };
  if (!raw || typeof raw !== "object") return null;
  const entry = raw as Record<string, unknown>;
  const path = text(entry.path);
  const name = text(entry.name) ?? (nameRequired || !path ? null : displayNameOf(path));
  if (!name) return null;
  return { name, description: text(entry.description), path };
}

function listOf(contents: Record<string, unknown>, key: string, nameRequired = false): ContentEntry[] {
  const raw = contents[key];
  if (!Array.isArray(raw)) return [];
  return raw.map((r) => entryOf(r, nameRequired)).filter((e): e is ContentEntry => e !== null);
}

export function pluginContents(manifest: unknown): PluginContents {
  const contents = (manifest && typeof manifest === "object" ? (manifest as Record<string, unknown>).contents : undefined) ?? {};
  const c = typeof contents === "object" && contents !== null ? (contents as Record<string, unknown>) : {};
  return { skills: listOf(c, "skills"), commands: listOf(c, "commands"), agents: listOf(c, "agents"), tools: listOf(c, "tools", true) };
}
