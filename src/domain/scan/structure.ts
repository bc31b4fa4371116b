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
    // The info string's first word, also in the attribute form `{.bash}` / `{.python .numberLines}`.
    const fence = /^\s{0,3}(`{3,}|~{3,})\s*(\{\s*)?\.?([^\s`{}]*)/.exec(line);
    if (open) {
      if (fence && fence[1]![0] === open.char && fence[1]!.length >= open.length && !fence[2] && !fence[3]) {
        open = undefined;
        out.push(undefined);
      } else out.push(open.language);
    } else if (fence) {
      open = { char: fence[1]![0]!, length: fence[1]!.length, language: fence[3]!.toLowerCase() };
      out.push(undefined);
    } else out.push(undefined);
  }
  return out;
}

/** JSON files whose `command`/`args` values an agent runs: Claude Code hooks, MCP server configs, agent settings. */
const COMMAND_JSON = /(?:^|\/)(?:hooks|\.?mcp|mcp[_-]servers|settings(?:\.local)?|claude_desktop_config)\.json$|(?:^|\/)hooks\/[^/]{1,200}\.json$/i;
const COMMAND_KEY = /(?<!\\)"command"\s{0,20}:/g;

/**
 * The commands a hooks or MCP configuration runs (issue 28 review, item 1: `{"command": "npx",
 * "args": ["-y", "pkg"]}` is shell use): for every object holding a string `command`, the command
 * and its string `args` joined by spaces, with the 0-based line of its `"command"` key. Files
 * other than hooks/MCP/settings JSON, and JSON that does not parse, give none. Linear in the file.
 * Meant for the coherence check (src/domain/scan/coherence.ts), which counts each as a shell use.
 */
export function jsonCommands(path: string, lines: readonly string[]): Array<{ line: number; command: string }> {
  if (!COMMAND_JSON.test(path)) return [];
  const text = lines.join("\n");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  // Objects holding a "command" key, in document order (JSON.parse keeps key order, and a walk
  // visits values in order), paired with the textual "command" keys in the same order.
  const commands: Array<string | undefined> = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const [key, inner] of Object.entries(record)) {
        if (key === "command") {
          const args = Array.isArray(record.args) ? record.args.filter((a): a is string => typeof a === "string") : [];
          commands.push(typeof inner === "string" ? [inner, ...args].join(" ") : undefined);
        }
        walk(inner);
      }
    }
  };
  walk(parsed);
  const out: Array<{ line: number; command: string }> = [];
  let k = 0;
  let line = 0;
  let lineStart = 0;
  for (const m of text.matchAll(COMMAND_KEY)) {
    const command = commands[k++];
    while (lineStart + lines[line]!.length < m.index) lineStart += lines[line++]!.length + 1;
    if (command !== undefined) out.push({ line, command });
  }
  return out;
}
