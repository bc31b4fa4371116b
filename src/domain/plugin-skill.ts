import { parse } from "yaml";

/** The parts of a SKILL.md (reference §6.4): YAML front matter between `---` lines, then the prompt. */
export interface SkillDocument {
  name: string;
  description: string;
  skillType: string;
  body: string;
}

const FRONT_MATTER = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

// Cut by code points, never inside a surrogate pair (which would leave a lone surrogate).
const str = (value: unknown, max: number) => (typeof value === "string" && value.trim() ? [...value.trim()].slice(0, max).join("") : undefined);

/**
 * Parses a SKILL.md. The name comes from the front matter, else the folder holding the file, else
 * `<slug>-skill`; it is returned as written (not cut), for the caller to hold to the rules of names
 * (src/services/plugins/skills.ts skips a skill whose name breaks them). Front matter that is not a
 * YAML mapping is ignored (the file is still a prompt).
 */
export function parseSkillDocument(path: string, text: string, pluginSlug: string): SkillDocument {
  const match = FRONT_MATTER.exec(text);
  let meta: Record<string, unknown> = {};
  if (match) {
    try {
      // yaml's default (core) schema builds plain data only: no custom tags, no code.
      const parsed: unknown = parse(match[1]!, { maxAliasCount: 50 });
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) meta = parsed as Record<string, unknown>;
    } catch {
      meta = {};
    }
  }
  const folder = path.split("/").slice(-2, -1)[0];
  return {
    name: (typeof meta.name === "string" && meta.name.trim() ? meta.name : undefined) ?? folder ?? `${pluginSlug}-skill`,
    description: str(meta.description, 2000) ?? "",
    skillType: str(meta.type, 50) ?? "technical",
    body: match ? text.slice(match[0].length) : text,
  };
}
