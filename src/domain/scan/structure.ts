import type { Unit } from "./normalize";

/**
 * The parts of a markdown or YAML file that hide text from a line-by-line reader (issue 28 item 1):
 * front-matter values folded over several lines (`description: >`), multi-line HTML comments, and
 * code fences (their language tells the coherence check what is a shell command). Every line is
 * still matched on its own; these add the joined forms. Pure; works on already-split lines.
 */

const MAX_JOINED_LINES = 200;

function unitOf(lines: readonly string[], first: number, last: number): Unit {
  let text = "";
  const starts: number[] = [];
  for (let i = first; i <= last; i++) {
    if (i > first) text += " ";
    starts.push(text.length);
    text += lines[i]!.trim();
  }
  return { text, first, starts };
}

/**
 * YAML front matter (between a first line `---` and the next `---` or `...`): every key whose value
 * continues on more-indented lines (folded `>`, literal `|`, or a plain multi-line scalar) becomes
 * one unit, the key's line first.
 */
export function frontMatterValues(lines: readonly string[]): Unit[] {
  if (lines[0]?.trim() !== "---") return [];
  const units: Unit[] = [];
  let i = 1;
  while (i < lines.length && !/^(---|\.\.\.)\s*$/.test(lines[i]!)) {
    const key = /^(\s*)[\w"'-][^:\n]{0,100}:(\s|$)/.exec(lines[i]!);
    let end = i;
    if (key) {
      const indent = key[1]!.length;
      while (end + 1 < lines.length && end - i < MAX_JOINED_LINES) {
        const next = lines[end + 1]!;
        if (/^(---|\.\.\.)\s*$/.test(next)) break;
        const nextIndent = next.length - next.trimStart().length;
        if (next.trim() !== "" && nextIndent <= indent) break;
        end++;
      }
      if (end > i) units.push(unitOf(lines, i, end));
    }
    i = end + 1;
  }
  return units;
}

/** Each HTML comment spanning two or more lines, `<!--` to `-->`, as one unit (at most 200 lines). */
export function htmlComments(lines: readonly string[]): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.lastIndexOf("<!--");
    if (open < 0 || lines[i]!.indexOf("-->", open) >= 0) continue;
    let end = i + 1;
    while (end < lines.length && end - i < MAX_JOINED_LINES && !lines[end]!.includes("-->")) end++;
    units.push(unitOf(lines, i, Math.min(end, lines.length - 1)));
    i = end;
  }
  return units;
}

/** Fence languages whose content is a shell command (common brief: "uses shell"). */
export const SHELL_LANGUAGES = new Set(["sh", "bash", "zsh", "shell", "console", "powershell", "ps1", "pwsh", "cmd", "bat", "shell-session", "shellsession", "fish", "ksh"]);
/** Fence languages whose content is code: a URL inside is a network use. */
export const CODE_LANGUAGES = new Set([...SHELL_LANGUAGES, "js", "javascript", "mjs", "cjs", "ts", "typescript", "tsx", "jsx", "node", "py", "python", "python3", "rb", "ruby", "pl", "perl", "php"]);

export interface FenceLine {
  /** Lower-case first word of the info string ("" for a bare fence); undefined outside fences. */
  language: string | undefined;
}

/**
 * For every line, the language of the code fence it sits in (``` or ~~~, CommonMark: the closing
 * fence uses the same character, at least as long). Fence lines themselves count as outside.
 */
export function fenceLanguages(lines: readonly string[]): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let open: { char: string; length: number; language: string } | undefined;
  for (const line of lines) {
    const fence = /^\s{0,3}(`{3,}|~{3,})\s*([^\s`{]*)/.exec(line);
    if (open) {
      if (fence && fence[1]![0] === open.char && fence[1]!.length >= open.length && !fence[2]) {
        open = undefined;
        out.push(undefined);
      } else out.push(open.language);
    } else if (fence) {
      open = { char: fence[1]![0]!, length: fence[1]!.length, language: fence[2]!.replace(/^\{?\.?/, "").toLowerCase() };
      out.push(undefined);
    } else out.push(undefined);
  }
  return out;
}
