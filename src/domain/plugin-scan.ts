/**
 * The static security scan of a plugin bundle (issue 14 item 2). Pure: files in, findings and a
 * verdict out. Every file is scanned: text line by line, binaries by magic bytes and by the
 * printable strings inside them (the original skipped binaries, reference §9.17).
 *
 * Verdict: any critical finding → `blocked`; any high or medium → `review_required`; else `safe`.
 * `scanBundleFailClosed` turns a scanner error into `blocked`, never `safe`.
 */
export type Severity = "critical" | "high" | "medium" | "low";
export type Verdict = "safe" | "review_required" | "blocked";

export interface Finding {
  rule_id: string;
  severity: Severity;
  file: string;
  /** 1-based; 0 for findings about the whole file. */
  line: number;
  message: string;
  /** At most 120 characters, invisible characters shown as \u{…}. */
  excerpt: string;
}

export interface ScanResult {
  verdict: Verdict;
  findings: Finding[];
  /** Distinct rule ids that produced a finding. */
  rules_hit: string[];
  files_scanned: number;
  /** Findings past MAX_FINDINGS are counted here, not listed. */
  findings_truncated: number;
  error?: string;
}

interface LineRule {
  id: string;
  severity: Severity;
  message: string;
  pattern: RegExp;
}

const MAX_FINDINGS = 200;
const BLOB_MIN_LENGTH = 200;
const MINIFIED_LINE_LENGTH = 1000;

/** Rules applied to each line of text (and to visible text recovered from hidden characters). */
export const LINE_RULES: readonly LineRule[] = [
  // Credentials and environment
  { id: "credential-files", severity: "critical", message: "Reads credential stores (SSH, cloud, package or git credentials).", pattern: /~\/\.(ssh|aws|gnupg|kube|docker)\b|\.ssh\/(id_|authorized_keys)|\.aws\/credentials|\.(npmrc|netrc|pypirc|git-credentials)\b|\$HOME\/\.(ssh|aws)/i },
  { id: "env-access", severity: "high", message: "Reads environment variables, where secrets live.", pattern: /process\.env\b|os\.environ|os\.getenv\s*\(|getenv\s*\(|Deno\.env|\bprintenv\b|\benv\s*\|/ },
  { id: "secret-exfiltration", severity: "critical", message: "Sends secrets or environment data to a URL.", pattern: /(curl|wget|fetch|axios|requests\.(post|get)|http\.request)\b.*(token|secret|passw|api[_-]?key|credential|\$\{?[A-Z_]*(KEY|TOKEN|SECRET)|process\.env|os\.environ)/i },
  { id: "exfiltrate-word", severity: "critical", message: "Mentions exfiltrating data.", pattern: /\bexfiltrat(e|ion|ing)\b/i },
  // Shell and eval
  { id: "shell-exec", severity: "critical", message: "Runs shell commands or spawns processes.", pattern: /child_process|\bsubprocess\b|os\.system\s*\(|os\.popen\s*\(|os\.exec[lv]p?e?\s*\(|\bexecSync\s*\(|\bspawnSync?\s*\(|Runtime\.getRuntime\(\)\.exec|\bshell_exec\s*\(|\bpassthru\s*\(/ },
  { id: "dynamic-eval", severity: "critical", message: "Evaluates code built at run time.", pattern: /(^|[^.\w])eval\s*\(|(^|[^.\w])exec\s*\(|new\s+Function\s*\(|__import__\s*\(|\bvm\.runIn\w*Context\s*\(/ },
  { id: "pipe-to-shell", severity: "critical", message: "Pipes a downloaded script into a shell (the ClawHavoc 'prerequisite installer' pattern; OWASP AST01).", pattern: /\b(curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b[^\n|]*\|\s*(sudo\s+)?(ba|z|da|k|fi)?sh\b|\b(ba|z)?sh\s+(-c\s+)?["']?\$?\(?\s*<?\(?\s*(curl|wget)\b|\b(iex|Invoke-Expression)\b.*\b(iwr|irm|DownloadString|Invoke-WebRequest)\b|\b(curl|wget)\b[^\n|]*\|\s*(python3?|node|perl|ruby)\b/i },
  // Network
  { id: "raw-ip-url", severity: "high", message: "Calls a URL by raw IP address.", pattern: /https?:\/\/\d{1,3}(\.\d{1,3}){3}/i },
  { id: "suspicious-host", severity: "high", message: "Calls a host used for data capture or tunnelling.", pattern: /\b(webhook\.site|requestbin|pipedream\.net|ngrok(-free)?\.(io|app)|pastebin\.com|transfer\.sh|burpcollaborator|interact\.sh|oast\.(fun|me|pro))\b/i },
  { id: "network-call", severity: "medium", message: "Makes network calls.", pattern: /\bfetch\s*\(\s*["'`]https?:|XMLHttpRequest|new\s+WebSocket\s*\(|\bimport\s+(requests|socket|urllib|httpx|aiohttp)\b|\bfrom\s+(requests|socket|urllib|httpx|aiohttp)\b|http\.client|\bnet\.connect\s*\(/ },
  // Prompt injection
  { id: "prompt-injection", severity: "critical", message: "Tries to override the agent's instructions.", pattern: /\b(ignore|forget|disregard)\s+(all\s+|any\s+|the\s+)?(of\s+)?(your\s+)?(previous|prior|above|earlier|preceding|original|system)\s+(instructions|prompts?|rules|directions|guidelines)|\bignore\s+your\s+(instructions|rules|guidelines)|system\s+prompt\s+override|override\s+(the\s+|your\s+)?system\s+prompt|act\s+as\s+if\s+you\s+have\s+no\s+restrictions|pretend\s+you\s+are\b.*\b(unrestricted|unfiltered)|do\s+not\s+(follow|obey)\s+your\s+(guidelines|rules|policy|policies)|hidden\s+instructions?\b/i },
  { id: "role-hijack", severity: "high", message: "Tries to give the agent a new identity or reveal its prompt.", pattern: /\byou\s+are\s+now\s+(a|an|in|the|DAN)\b|\bjailbreak|\b(reveal|print|repeat)\s+(your|the)\s+(system\s+prompt|instructions)|\bnew\s+instructions\s*:/i },
  // Obfuscation
  { id: "obfuscated-call", severity: "high", message: "Builds names or code at run time to dodge review.", pattern: /String\.fromCharCode|\batob\s*\(|Buffer\.from\([^)]*["']base64["']|base64\s+(-d|--decode)|b64decode|(globalThis|window|global|self)\s*\[\s*["'`][^"'`]*["'`]\s*\+|(\\x[0-9a-f]{2}){6,}|(\\u[0-9a-f]{4}){6,}/i },
];

const SPLIT_NAMES = /^(eval|exec|execsync|spawn|system|popen|function|require|import|child_process|subprocess|fromcharcode|constructor)$/i;
const INVISIBLE = /[\u200B-\u200F\u2060-\u2064\uFEFF]/u;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;
const TAGS = /[\u{E0000}-\u{E007F}]/u;
const BLOB = new RegExp(`[A-Za-z0-9+/]{${BLOB_MIN_LENGTH},}={0,2}`);
const CODE_EXTENSIONS = /\.(js|mjs|cjs|ts|tsx|jsx|py|sh|bash|zsh|rb|pl|php|ps1)$/i;
const TEXT_EXTENSIONS = /\.(md|markdown|txt|json|ya?ml|toml|ini|cfg|csv|js|mjs|cjs|ts|tsx|jsx|py|sh|bash|zsh|rb|pl|php|ps1|html?|css|xml|svg)$/i;

interface Magic {
  kind: "executable" | "archive" | "media";
  name: string;
  matches: (b: Uint8Array) => boolean;
  /** Extensions a file of this kind may honestly carry. */
  extensions: RegExp;
}

const startsWith = (b: Uint8Array, ...sig: number[]) => sig.every((v, i) => b[i] === v);
const MAGIC: readonly Magic[] = [
  { kind: "executable", name: "ELF executable", matches: (b) => startsWith(b, 0x7f, 0x45, 0x4c, 0x46), extensions: /$^/ },
  { kind: "executable", name: "Windows executable", matches: (b) => startsWith(b, 0x4d, 0x5a), extensions: /$^/ },
  { kind: "executable", name: "Mach-O executable", matches: (b) => [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]].some((s) => startsWith(b, ...s)), extensions: /$^/ },
  { kind: "executable", name: "WebAssembly module", matches: (b) => startsWith(b, 0x00, 0x61, 0x73, 0x6d), extensions: /$^/ },
  { kind: "archive", name: "zip archive", matches: (b) => startsWith(b, 0x50, 0x4b, 0x03, 0x04), extensions: /\.(zip|jar)$/i },
  { kind: "archive", name: "gzip archive", matches: (b) => startsWith(b, 0x1f, 0x8b), extensions: /\.(gz|tgz)$/i },
  { kind: "archive", name: "7-zip archive", matches: (b) => startsWith(b, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c), extensions: /\.7z$/i },
  { kind: "archive", name: "RAR archive", matches: (b) => startsWith(b, 0x52, 0x61, 0x72, 0x21), extensions: /\.rar$/i },
  { kind: "archive", name: "bzip2 archive", matches: (b) => startsWith(b, 0x42, 0x5a, 0x68), extensions: /\.bz2$/i },
  { kind: "archive", name: "xz archive", matches: (b) => startsWith(b, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), extensions: /\.xz$/i },
  { kind: "media", name: "PNG image", matches: (b) => startsWith(b, 0x89, 0x50, 0x4e, 0x47), extensions: /\.png$/i },
  { kind: "media", name: "JPEG image", matches: (b) => startsWith(b, 0xff, 0xd8, 0xff), extensions: /\.jpe?g$/i },
  { kind: "media", name: "GIF image", matches: (b) => startsWith(b, 0x47, 0x49, 0x46, 0x38), extensions: /\.gif$/i },
  { kind: "media", name: "WebP image", matches: (b) => startsWith(b, 0x52, 0x49, 0x46, 0x46) && startsWith(b.subarray(8), 0x57, 0x45, 0x42, 0x50), extensions: /\.webp$/i },
  { kind: "media", name: "PDF document", matches: (b) => startsWith(b, 0x25, 0x50, 0x44, 0x46), extensions: /\.pdf$/i },
];

function visible(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

function excerptOf(line: string, index = 0): string {
  const start = Math.max(0, index - 30);
  return visible(line.slice(start, start + 200)).slice(0, 120);
}

/** Text hidden in Unicode tag characters (U+E0020–E007E mirror ASCII), made readable. */
function decodeTagCharacters(line: string): string {
  let out = "";
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

/** `'ev' + 'al'` and friends: adjacent string literals joined, checked against dangerous names. */
function splitNameHits(line: string): string[] {
  const hits: string[] = [];
  const chain = /(["'`])([\w.]{1,12})\1(\s*\+\s*(["'`])([\w.]{1,12})\4)+/g;
  for (const match of line.matchAll(chain)) {
    const joined = [...match[0].matchAll(/(["'`])([\w.]{1,12})\1/g)].map((m) => m[2]).join("");
    if (SPLIT_NAMES.test(joined)) hits.push(joined);
  }
  return hits;
}

function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

class Collector {
  findings: Finding[] = [];
  truncated = 0;
  private seen = new Set<string>();
  add(finding: Finding) {
    // One finding per rule per line is enough to review it.
    const key = `${finding.file}\0${finding.line}\0${finding.rule_id}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.findings.length >= MAX_FINDINGS) this.truncated++;
    else this.findings.push(finding);
  }
}

function scanLine(out: Collector, file: string, lineNo: number, line: string) {
  if (BIDI.test(line)) out.add({ rule_id: "bidi-unicode", severity: "critical", file, line: lineNo, message: "Bidirectional control characters can make text read differently than it runs.", excerpt: excerptOf(line, line.search(BIDI)) });
  if (TAGS.test(line)) out.add({ rule_id: "tag-unicode", severity: "critical", file, line: lineNo, message: "Unicode tag characters hide text from readers but not from models.", excerpt: excerptOf(line, line.search(TAGS)) });
  const invisibleAt = line.search(INVISIBLE);
  // A byte-order mark at the very start of a file is ordinary.
  if (invisibleAt >= 0 && !(lineNo === 1 && invisibleAt === 0 && !INVISIBLE.test(line.slice(1)))) {
    out.add({ rule_id: "invisible-unicode", severity: "high", file, line: lineNo, message: "Zero-width characters can hide or split words.", excerpt: excerptOf(line, invisibleAt) });
  }
  // Rules run on the line as written, with invisible characters removed (so they cannot split a
  // phrase), and on any text smuggled in tag characters.
  const variants = new Set([line, line.replace(/[\u200B-\u200F\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069]/gu, ""), decodeTagCharacters(line)]);
  for (const text of variants) {
    if (!text) continue;
    for (const rule of LINE_RULES) {
      const match = rule.pattern.exec(text);
      if (match) out.add({ rule_id: rule.id, severity: rule.severity, file, line: lineNo, message: rule.message, excerpt: excerptOf(text, match.index) });
    }
    for (const name of splitNameHits(text)) {
      out.add({ rule_id: "split-name", severity: "critical", file, line: lineNo, message: `Builds the name '${name}' from pieces to dodge review.`, excerpt: excerptOf(text) });
    }
  }
  const blob = BLOB.exec(line);
  if (blob) out.add({ rule_id: "encoded-blob", severity: "high", file, line: lineNo, message: `A base64-like run of ${blob[0].length} characters.`, excerpt: excerptOf(line, blob.index) });
  if (line.length > MINIFIED_LINE_LENGTH && CODE_EXTENSIONS.test(file)) {
    out.add({ rule_id: "minified-code", severity: "medium", file, line: lineNo, message: `A ${line.length}-character line of code cannot be reviewed.`, excerpt: excerptOf(line) });
  }
}

function scanBinary(out: Collector, file: string, bytes: Uint8Array) {
  const magic = MAGIC.find((m) => m.matches(bytes));
  if (magic?.kind === "executable") {
    out.add({ rule_id: "executable", severity: "critical", file, line: 0, message: `${magic.name}${TEXT_EXTENSIONS.test(file) ? " disguised by a text extension" : ""}.`, excerpt: "" });
  } else if (magic?.kind === "archive") {
    out.add({ rule_id: "nested-archive", severity: TEXT_EXTENSIONS.test(file) ? "critical" : "high", file, line: 0, message: `${magic.name} inside the bundle cannot be scanned.`, excerpt: "" });
  } else if (magic && !magic.extensions.test(file)) {
    out.add({ rule_id: "extension-mismatch", severity: "high", file, line: 0, message: `${magic.name} with a misleading extension.`, excerpt: "" });
  } else if (!magic) {
    out.add({ rule_id: "unknown-binary", severity: TEXT_EXTENSIONS.test(file) ? "high" : "medium", file, line: 0, message: "Binary content of an unknown kind.", excerpt: "" });
  }
  // Printable runs inside a binary still carry commands and URLs.
  let run = "";
  for (const byte of bytes) {
    if (byte >= 0x20 && byte <= 0x7e) {
      run += String.fromCharCode(byte);
      continue;
    }
    if (run.length >= 8) scanLine(out, file, 0, run);
    run = "";
  }
  if (run.length >= 8) scanLine(out, file, 0, run);
}

/** Scans every file of a bundle. Throws only on a bug; use scanBundleFailClosed at call sites. */
export function scanBundle(files: ReadonlyArray<{ path: string; bytes: Uint8Array }>): ScanResult {
  const out = new Collector();
  for (const { path, bytes } of files) {
    const text = decodeText(bytes);
    if (text === null) {
      scanBinary(out, path, bytes);
      continue;
    }
    // A text file may still start with an executable's magic (e.g. "MZ…" is valid ASCII).
    const magic = MAGIC.find((m) => m.kind === "executable" && m.matches(bytes));
    if (magic) out.add({ rule_id: "executable", severity: "critical", file: path, line: 0, message: `${magic.name} header.`, excerpt: "" });
    text.split(/\r\n|\r|\n/).forEach((line, index) => scanLine(out, path, index + 1, line));
  }
  return summarise(out, files.length);
}

function summarise(out: Collector, filesScanned: number, error?: string): ScanResult {
  const severities = new Set(out.findings.map((f) => f.severity));
  const verdict: Verdict = error || severities.has("critical") ? "blocked" : severities.has("high") || severities.has("medium") || out.truncated > 0 ? "review_required" : "safe";
  return {
    verdict,
    findings: out.findings,
    rules_hit: [...new Set(out.findings.map((f) => f.rule_id))].sort(),
    files_scanned: filesScanned,
    findings_truncated: out.truncated,
    ...(error ? { error } : {}),
  };
}

/** The scan, with any failure of the scanner itself turned into a `blocked` verdict. */
export function scanBundleFailClosed(
  files: ReadonlyArray<{ path: string; bytes: Uint8Array }>,
  scanner: typeof scanBundle = scanBundle,
): ScanResult {
  try {
    return scanner(files);
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
