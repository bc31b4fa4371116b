/**
 * The static security scan of a plugin bundle (issue 14 item 2, rebuilt by issue 28 items 1, 2, 5
 * and 6). Pure: files in, findings and a verdict out. Every file is scanned, listed in the manifest
 * or not: text after normalisation (src/domain/scan/normalize.ts), line by line, in windows of
 * consecutive lines, in joined continuations, front-matter values and HTML comments, and again after
 * decoding (src/domain/scan/decode.ts); binaries by magic bytes and by the printable strings inside.
 * Rules are data (src/domain/scan/rules.ts); the coherence check (src/domain/scan/coherence.ts)
 * compares what the content uses with `options.permissions`.
 *
 * Verdict: any critical finding → `blocked`; any high or medium → `review_required`; else `safe`.
 * `scanBundleFailClosed` turns a scanner error into `blocked`, never `safe`.
 */
import { NO_PERMISSIONS, type Permissions } from "./permissions";
import { SCANNER_ENGINE_VERSION } from "./scan-engine";
import { undeclaredCapabilities } from "./scan/coherence";
import { decodedLayers, type DecodeBudget, MAX_DECODED_PER_FILE } from "./scan/decode";
import { BINARY_MAGIC, TEXT_EXTENSIONS, binaryFindings, printableRuns } from "./scan/binary";
import { decodeTagCharacters, decodeVariationSelectors, invisibleKinds, joinContinuations, lineAt, lineWindowText, normalizeLine, type Unit } from "./scan/normalize";
import { MATCHERS } from "./scan/matchers";
import { matchesIn, RULES, type ScanRule } from "./scan/rules";
import { shellWordForms } from "./scan/shellwords";
import { frontMatterValues, htmlComments } from "./scan/structure";
import type { Finding, Severity, Verdict } from "./scan/types";

export type { Finding, Severity, Verdict } from "./scan/types";

export interface ScanResult {
  verdict: Verdict;
  findings: Finding[];
  /** Distinct rule ids that produced a finding. */
  rules_hit: string[];
  files_scanned: number;
  /**
   * Findings past MAX_FINDINGS are counted here, not listed. They still make the verdict and
   * `rules_hit`, and never hide a higher severity: a finding more severe than the least severe one
   * listed takes its place (so every critical finding is listed, up to MAX_FINDINGS of them).
   */
  findings_truncated: number;
  /** SCANNER_ENGINE_VERSION of the engine that produced this result (design.md §44). */
  engine_version: string;
  error?: string;
}

export interface ScanOptions {
  /** The manifest's canonical permissions; absent means none (every use is undeclared). */
  permissions?: Permissions;
}

export type BundleFile = { path: string; bytes: Uint8Array };

const MAX_FINDINGS = 200;
const MINIFIED_LINE_LENGTH = 1000;
const CODE_EXTENSIONS = /\.(?:js|mjs|cjs|ts|tsx|jsx|py|sh|bash|zsh|rb|pl|php|ps1)$/i;

const INVISIBLE_RULES: Record<ReturnType<typeof invisibleKinds>[number]["kind"], { id: string; severity: Severity; message: string }> = {
  bidi: { id: "bidi-unicode", severity: "critical", message: "Bidirectional control characters can make text read differently than it runs." },
  tag: { id: "tag-unicode", severity: "critical", message: "Unicode tag characters hide text from readers but not from models." },
  "smuggling-selectors": { id: "variation-selector-smuggling", severity: "high", message: "Runs of variation selectors can hide bytes inside ordinary-looking text." },
  invisible: { id: "invisible-unicode", severity: "high", message: "Zero-width or other invisible characters can hide or split words." },
};

function visible(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** At most 120 characters of the original line around `index`, invisible characters shown as \u{…}. */
export function excerptOf(line: string, index = 0): string {
  const start = Math.max(0, Math.min(index, line.length) - 30);
  return visible(line.slice(start, start + 200)).slice(0, 120);
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * The findings of one scan: at most MAX_FINDINGS listed, every one counted by severity and rule
 * (issue 28 review, item 2: a critical past the limit must still block and be listed).
 */
class Collector {
  findings: Finding[] = [];
  truncated = 0;
  /** Every finding, listed or not, by severity; and every rule id that produced one. */
  counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  rules = new Set<string>();
  private listed: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  private seen = new Set<string>();
  add(finding: Finding, distinct = "") {
    // One finding per rule per line is enough to review it (per capability for the coherence check).
    const key = `${finding.file}\0${finding.line}\0${finding.rule_id}\0${distinct}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.counts[finding.severity]++;
    this.rules.add(finding.rule_id);
    if (this.findings.length < MAX_FINDINGS) {
      this.findings.push(finding);
      this.listed[finding.severity]++;
      return;
    }
    this.truncated++;
    // The list is full: the new finding replaces the last listed one of the lowest severity below
    // its own. Each replacement raises the listed severities, so this runs at most 3 × MAX_FINDINGS times.
    const lowest = (["low", "medium", "high"] as const).find((s) => this.listed[s] > 0 && RANK[s] < RANK[finding.severity]);
    if (!lowest) return;
    let at = this.findings.length - 1;
    while (this.findings[at]!.severity !== lowest) at--;
    this.findings[at] = finding;
    this.listed[lowest]--;
    this.listed[finding.severity]++;
  }
}

/** One file being scanned: its original lines (for excerpts) and what applies to it. */
interface FileScan {
  out: Collector;
  path: string;
  original: readonly string[];
  /** Line number offset: 1 for text files (1-based lines), or a fixed 0 for binary strings. */
  lineNumber: (index: number) => number;
  rules: readonly ScanRule[];
  budget: DecodeBudget;
}

function report(scan: FileScan, rule: { id: string; severity: Severity; message: string }, lineIndex: number, note = "") {
  const original = scan.original[lineIndex] ?? "";
  scan.out.add({ rule_id: rule.id, severity: rule.severity, file: scan.path, line: scan.lineNumber(lineIndex), message: rule.message + note, excerpt: excerptOf(original) });
}

/**
 * Text made of regions laid end to end, so each rule makes one pass over a whole file instead of
 * one per line. A region is a span a triggered rule's match must stay inside; `lineOf` maps an
 * offset back to the (0-based) line it came from.
 */
interface Regions {
  text: string;
  regionEnd: (index: number) => number;
  lineOf: (index: number) => number;
}

/** The last k with starts[k] <= index (binary search). */
function lastAtOrBefore(starts: ArrayLike<number>, index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Units are separated by a NUL between newlines: no pattern crosses it ([^\n] windows stop at the
// newline, \s runs at the NUL), and NUL bytes are removed from the text before matching.
const UNIT_SEPARATOR = "\n\0\n";

/** Units (lines or joined forms) one after another; each unit is a region. */
function unitRegions(units: readonly Unit[]): Regions {
  const starts = new Int32Array(units.length);
  let length = 0;
  units.forEach((unit, k) => {
    starts[k] = length;
    length += unit.text.length + UNIT_SEPARATOR.length;
  });
  return {
    text: units.map((u) => u.text).join(UNIT_SEPARATOR),
    regionEnd: (index) => {
      const k = lastAtOrBefore(starts, index);
      return starts[k]! + units[k]!.text.length;
    },
    lineOf: (index) => {
      const k = lastAtOrBefore(starts, index);
      return lineAt(units[k]!, index - starts[k]!);
    },
  };
}

/** Windows of three lines over the whole file (src/domain/scan/normalize.ts `lineWindowText`). */
function windowRegions(lines: readonly string[], size = WINDOW_LINES): Regions {
  const { text, starts } = lineWindowText(lines);
  return {
    text,
    regionEnd: (index) => starts[Math.min(lastAtOrBefore(starts, index) + size, lines.length)]! - 1,
    lineOf: (index) => Math.min(lastAtOrBefore(starts, index), lines.length - 1),
  };
}
const WINDOW_LINES = 3;

/** Every rule (and, unless `rulesOnly`, matcher) over `regions`; `note` is added to each message. */
function matchRegions(scan: FileScan, regions: Regions, options: { note?: string; rulesOnly?: boolean } = {}) {
  const note = options.note ?? "";
  const lineOf = regions.lineOf;
  for (const rule of scan.rules) {
    for (const hit of matchesIn(rule, regions.text, regions.regionEnd)) {
      if ("limit" in hit) report(scan, { id: "scan-limit", severity: "medium", message: `More places to check for '${rule.id}' on one line than the scanner's limit; review it by hand.` }, lineOf(hit.limit));
      else report(scan, { id: rule.id, severity: rule.severity, message: rule.explanation }, lineOf(hit.index), note);
    }
  }
  if (options.rulesOnly) return;
  for (const matcher of MATCHERS) {
    for (const hit of matcher.find(regions.text)) report(scan, { id: matcher.id, severity: matcher.severity, message: hit.message }, lineOf(hit.index), note);
  }
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

function scanLines(scan: FileScan, lines: readonly string[], permissions: Permissions) {
  const normalised = lines.map((line) => (ASCII_ONLY.test(line) ? line : normalizeLine(line)));
  const singles: Unit[] = normalised.map((text, first) => ({ text, first, starts: [0] }));
  const hidden: Unit[] = [];
  lines.forEach((line, index) => {
    if (ASCII_ONLY.test(line)) return;
    for (const { kind, index: at } of invisibleKinds(line, index === 0)) {
      const rule = INVISIBLE_RULES[kind];
      scan.out.add({ rule_id: rule.id, severity: rule.severity, file: scan.path, line: scan.lineNumber(index), message: rule.message, excerpt: excerptOf(line, at) });
    }
    // Text hidden in tag characters or variation selectors is read and matched as well.
    for (const text of [decodeTagCharacters(line), decodeVariationSelectors(line)]) {
      if (text) hidden.push({ text: normalizeLine(text), first: index, starts: [0] });
    }
  });
  lines.forEach((line, index) => {
    if (line.length > MINIFIED_LINE_LENGTH && CODE_EXTENSIONS.test(scan.path)) {
      report(scan, { id: "minified-code", severity: "medium", message: `A ${line.length}-character line of code cannot be reviewed.` }, index);
    }
  });
  // Joined forms: continued commands, folded front-matter values and HTML comments.
  const joined = [...joinContinuations(normalised), ...frontMatterValues(normalised), ...htmlComments(normalised)];
  const asWritten = [...singles, ...hidden, ...joined];
  // Lines as the shell reads their words (`c''url`, `"cu"rl`, `cu\rl`, `${IFS}`, `$a$b`), matched too.
  const shellWords: Unit[] = shellWordForms(normalised).map(({ line, text }) => ({ text, first: line, starts: [0] }));
  for (const unit of joined) for (const { text } of shellWordForms([unit.text])) shellWords.push({ ...unit, text });
  matchRegions(scan, unitRegions([...asWritten, ...shellWords]));
  matchRegions(scan, windowRegions(normalised), { rulesOnly: true });
  // Each decoded layer of every line and joined form, reported at the unit's first line; and its
  // shell-word form (a JSON string `"\"cu\"rl …"` decodes to `"cu"rl …`).
  const decoded: Unit[] = [];
  for (const unit of asWritten) {
    for (const layer of decodedLayers(unit.text, scan.budget)) {
      decoded.push({ text: layer, first: unit.first, starts: [0] });
      for (const { text } of shellWordForms([layer])) decoded.push({ text, first: unit.first, starts: [0] });
    }
    if (scan.budget.exhausted && !scan.budget.reported) {
      scan.budget.reported = true;
      report(scan, { id: "decode-limit", severity: "medium", message: "More encoded text than the scanner decodes per file; the rest was not decoded. Review it by hand." }, unit.first);
    }
  }
  // A decoded unit is one region starting at its first line, so its findings point there.
  if (decoded.length) matchRegions(scan, unitRegions(decoded), { note: " (found after decoding)" });

  for (const { capability, line } of undeclaredCapabilities(scan.path, normalised, permissions)) {
    scan.out.add(
      {
        rule_id: "undeclared_capability",
        severity: "high",
        file: scan.path,
        line: scan.lineNumber(line),
        message: `Uses ${capability}, which the manifest's permissions do not declare.`,
        excerpt: excerptOf(lines[line] ?? ""),
      },
      capability,
    );
  }
}

/**
 * Text of a file starting with a UTF-16 byte-order mark (FF FE little-endian, FE FF big-endian),
 * the mark removed; null for any other file. Unpaired surrogates are kept as code units (the
 * scanner only matches the text).
 */
function decodeUtf16(bytes: Uint8Array): string | null {
  const little = bytes[0] === 0xff && bytes[1] === 0xfe;
  if (!little && !(bytes[0] === 0xfe && bytes[1] === 0xff)) return null;
  const units: string[] = [];
  const chunk: number[] = [];
  for (let i = 2; i + 1 < bytes.length; i += 2) {
    chunk.push(little ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!);
    if (chunk.length === 8192) units.push(String.fromCharCode(...chunk.splice(0)));
  }
  units.push(String.fromCharCode(...chunk));
  return units.join("");
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The most text (UTF-16 code units: a file's text, or a binary's printable runs together) the
 * scanner reads per file: the scan's time and memory grow with it (about 70 MB of heap per MiB of
 * one-character lines), and a Worker has 128 MB. The upload gate refuses larger files
 * (src/domain/bundle-check.ts); a rescan of an older bundle reads this much and says so.
 */
export const MAX_SCANNED_CHARS_PER_FILE = 1024 * 1024;

/** A `high` finding: the file was read only up to MAX_SCANNED_CHARS_PER_FILE, so a reviewer must read the rest. */
function sizeLimitFinding(path: string, size: number): Finding {
  return {
    rule_id: "scan-size-limit",
    severity: "high",
    file: path,
    line: 0,
    message: `The file holds ${size} characters of text; the scanner reads the first ${MAX_SCANNED_CHARS_PER_FILE}. Review the rest by hand.`,
    excerpt: "",
  };
}

/** A binary's printable runs up to MAX_SCANNED_CHARS_PER_FILE in all (a finding when cut). */
function withinScanLimit(out: Collector, path: string, runs: string[]): string[] {
  let total = 0;
  for (let i = 0; i < runs.length; i++) {
    total += runs[i]!.length;
    if (total > MAX_SCANNED_CHARS_PER_FILE) {
      out.add(sizeLimitFinding(path, runs.reduce((n, r) => n + r.length, 0)));
      return runs.slice(0, i);
    }
  }
  return runs;
}

/**
 * Scans every file of a bundle. Throws only on a bug; use scanBundleFailClosed at call sites.
 * `options.permissions` feeds the coherence check (absent = none declared).
 */
export function scanBundle(files: ReadonlyArray<BundleFile>, options: ScanOptions = {}): ScanResult {
  const permissions = options.permissions ?? NO_PERMISSIONS;
  const out = new Collector();
  for (const { path, bytes } of files) {
    const rules = RULES.filter((rule) => !(rule.waivedBy === "shell" && permissions.shell));
    const budget: DecodeBudget = { left: MAX_DECODED_PER_FILE };
    // Only an executable's magic overrides text that decodes ("MZ…" is valid ASCII); other magic
    // numbers ("BZh", "GIF8") can start an ordinary text file.
    const magic = BINARY_MAGIC.find((m) => m.matches(bytes));
    // UTF-16 text (a byte-order mark first) is read as text; editors and agents read it so, and a
    // reviewer's tools may not, so it is a finding itself.
    const utf16 = magic?.kind === "executable" ? null : decodeUtf16(bytes);
    if (utf16 !== null) out.add({ rule_id: "utf16-text", severity: "medium", file: path, line: 0, message: "Text encoded as UTF-16, which some review tools show as binary.", excerpt: "" });
    let text = magic?.kind === "executable" ? null : (utf16 ?? decodeUtf8(bytes));
    if (text !== null && text.includes("\0")) {
      // A text file holding NUL bytes is read as text without them, and is a finding itself; any
      // other file holding them (or a text name on an archive or image) is a binary.
      if (TEXT_EXTENSIONS.test(path) && !magic) {
        out.add({ rule_id: "nul-byte", severity: "high", file: path, line: 0, message: "A text file holding NUL bytes, which hide text from some readers.", excerpt: "" });
        text = text.replace(/\0/g, "");
      } else text = null;
    }
    if (text === null) {
      for (const finding of binaryFindings(path, bytes, magic)) out.add(finding);
      // Printable runs inside a binary still carry commands and URLs; they are reported at line 0.
      const runs = withinScanLimit(out, path, printableRuns(bytes));
      scanLines({ out, path, original: runs, lineNumber: () => 0, rules, budget }, runs, permissions);
      continue;
    }
    if (text.length > MAX_SCANNED_CHARS_PER_FILE) {
      out.add(sizeLimitFinding(path, text.length));
      text = text.slice(0, MAX_SCANNED_CHARS_PER_FILE);
    }
    const lines = text.split(/\r\n|\r|\n/);
    scanLines({ out, path, original: lines, lineNumber: (i) => i + 1, rules, budget }, lines, permissions);
  }
  return summarise(out, files.length);
}

function summarise(out: Collector, filesScanned: number, error?: string): ScanResult {
  // From every finding, listed or not (issue 28 review, item 2).
  const { counts } = out;
  const verdict: Verdict = error || counts.critical > 0 ? "blocked" : counts.high > 0 || counts.medium > 0 || out.truncated > 0 ? "review_required" : "safe";
  return {
    verdict,
    findings: out.findings,
    rules_hit: [...out.rules].sort(),
    files_scanned: filesScanned,
    findings_truncated: out.truncated,
    engine_version: SCANNER_ENGINE_VERSION,
    ...(error ? { error } : {}),
  };
}

/** The scan, with any failure of the scanner itself turned into a `blocked` verdict. */
export function scanBundleFailClosed(files: ReadonlyArray<BundleFile>, options: ScanOptions = {}, scanner: typeof scanBundle = scanBundle): ScanResult {
  try {
    return scanner(files, options);
  } catch (error) {
    return summarise(new Collector(), 0, `scanner_error: ${error instanceof Error ? error.name : "unknown"}`);
  }
}

/** Counts per severity, for queue and upload summaries. */
export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
