import { canonicalHost, type Permissions } from "../permissions";
import { joinContinuations, lineAt, type Unit } from "./normalize";
import { CODE_LANGUAGES, SHELL_LANGUAGES, fenceLanguages, jsonCommands } from "./structure";

/**
 * The coherence check (issue 28 item 5, widened by the issue-28 review item 6; OWASP AST03):
 * content that USES a capability its manifest's `permissions` do not declare.
 *
 * - network: a URL or host given to a network tool or API (curl, wget, fetch(, axios, requests.*,
 *   httpx, urllib, http(s).get/request, Invoke-WebRequest/iwr/irm, nc, ssh/scp/rsync host, git
 *   clone, Python `socket.create_connection` / `http.client.HTTPSConnection`, Go `http.Get`, Rust
 *   `reqwest`, …), or any URL (http, https, ws, wss, ftp, sftp, ssh, git; also `https:\\host`) in a
 *   code file, a JSON file other than manifest.json, or a fence of any code language; in code, a
 *   scheme-relative `"//host/…"` too. A prose link is not use. Hosts are compared in their
 *   canonical form (`canonicalHost`: IDN → A-label, percent-encoding decoded); a host the manifest
 *   schema cannot declare (an underscore) is kept as written and so always undeclared. An IPv4
 *   address written as one number, in hex or in octal is IP use, never declarable. Loopback hosts
 *   written plainly (localhost, 127.0.0.0/8, ::1, 0.0.0.0) are not network use.
 *   A host built at run time (`"https://" + h`, `https://${h}`, `https://$HOST`: the name starts
 *   with the variable) is the capability
 *   "network host (computed)" when the manifest declares no host at all: `network: []` promises no
 *   network, and a computed host breaks that promise whatever it is. Once some host is declared a
 *   computed one cannot be checked statically and is left to the reviewer who consents.
 * - environment: `$NAME`/`${NAME}` in a shell command (a shell file, a fence of any language but
 *   another programming language's, a `$ ` line, a line running a network tool, a prose line or
 *   inline code starting with a shell word, a hooks/MCP command), cmd `%NAME%`, `printenv NAME`,
 *   and the code forms: `process.env.NAME` / `["NAME"]` / `const {NAME} = process.env`,
 *   `Bun.env.NAME`, `import.meta.env.NAME`, `os.environ[…]` / `environ.get(…)` / `getenv("NAME")`
 *   (Python, PHP, C, Go `os.Getenv`), Ruby `ENV["NAME"]` / `ENV.fetch("NAME")`, Perl `$ENV{NAME}`,
 *   PHP `$_ENV["NAME"]`, `$env:NAME`, `[Environment]::GetEnvironmentVariable("NAME")`,
 *   `Deno.env.get("NAME")`, Rust `env::var("NAME")`. Not use: well-known non-secret variables
 *   (HOME, PATH, …), positional/special ones, all-lower-case names (shell locals by convention),
 *   and names the file assigns as a shell local: a real assignment at the start of a command
 *   (`NAME=…`, `export NAME=…`, `read NAME`, `for NAME in`) on a shell line that is not a comment,
 *   whose right side does not read `$NAME` (so `echo NAME=$NAME` or `NAME="${NAME:-x}"` exempt
 *   nothing).
 * - shell: a shell-language or makefile fence, `<pre><code class="language-bash">`, a shell or
 *   PowerShell file (also `.command`, and an extensionless file whose `#!` names a shell), a `$ `
 *   line in any fence, a hooks/MCP JSON `command`, and commands run from code: Ruby `system(` and
 *   backticks, Perl `qx{…}` and `system`, Python `os.system`/`os.popen` through an alias of `os`.
 *
 * Cost: linear in the text. Each line is looked at by a fixed number of regular expressions, each
 * with bounded repetition; continued lines are joined once (at most 50 lines per command).
 */
export interface CapabilityUse {
  /** As shown to reviewers: `network host api.evil.test`, `environment OPENAI_API_KEY`, `shell`. */
  capability: string;
  /** 0-based line. */
  line: number;
}

/** Optional work counter (test/node/scan-cost.test.ts): regular-expression runs and the characters handed to them. */
export interface CoherenceMeter {
  runs: number;
  characters: number;
}

const SHELL_FILE = /\.(?:sh|bash|zsh|ksh|fish|command|ps1|psm1|bat|cmd)$/i;
const POWERSHELL_FILE = /\.(?:ps1|psm1|bat|cmd)$/i;
const CMD_FILE = /\.(?:bat|cmd)$/i;
const CODE_FILE = /\.(?:js|mjs|cjs|ts|tsx|jsx|py|rb|pl|php|sh|bash|zsh|ksh|fish|command|ps1|psm1|go|rs|java|kt|cs|swift|lua)$/i;
const RUBY_OR_PERL_FILE = /\.(?:rb|pl|pm)$/i;
const PYTHON_FILE = /\.py$/i;
const JSON_FILE = /\.json$/i;
const MANIFEST = /(?:^|\/)manifest\.json$/i;
const NO_EXTENSION = /(?:^|\/)[^/.]+$/;
const SHELL_SHEBANG = /^#!\s{0,3}\/\S{0,60}?\b(?:env\s{1,5})?(?:ba|z|da|k|fi|a)?sh\b/;

/** Fence languages that run their lines as commands besides the shells: makefile recipes. */
const MAKE_LANGUAGES = new Set(["make", "makefile", "mk"]);
/** Fences whose `$NAME` is that language's own variable, not the environment. */
const OTHER_PROGRAMMING = new Set(["js", "javascript", "mjs", "cjs", "ts", "typescript", "tsx", "jsx", "node", "py", "python", "python3", "rb", "ruby", "pl", "perl", "php", "go", "golang", "rust", "rs", "java", "kotlin", "kt", "c", "cpp", "c++", "csharp", "cs", "swift", "lua"]);
/** Fences that hold data or prose: a URL inside is not a network use (a bare fence is prose too). */
const NOT_CODE = new Set(["", "text", "txt", "plain", "plaintext", "markdown", "md", "output", "log", "diff", "csv", "tsv", "json", "jsonc", "yaml", "yml", "toml", "ini", "xml", "html", "http", "mermaid"]);

const NETWORK_TOOL = /\b(?:(?:curl|wget|axios|httpx|urllib|urlopen|reqwest|invoke-webrequest|invoke-restmethod|iwr|irm|nc|ncat|netcat|ssh|scp|rsync|sftp|aria2c|telnet|websocket|create_connection|https?connection)\b|git\s{1,5}clone\b|fetch\s{0,3}\(|requests\.\w{1,10}\s{0,3}\(|https?\.(?:get|request|post|head|postform)\s{0,3}\()/i;
const URL_HOST = /(?:\b(?:https?|wss?|ftps?|sftp|ssh|git(?:\+ssh|\+https?)?):(?:\/\/|\\\\)|(?<=["'`(])\/\/(?=[\w%-]{1,63}\.))(?:[^\s/@"'<>()[\]{}`|\\^]{1,200}@)?(\[[0-9a-f:.]{2,45}\]|[^\s/?#:"'<>()[\]{}`|\\^,;*]{0,253})/gi;
const COMPUTED_AFTER_SCHEME = /^(?:["'`]\s{0,3}(?:\+|\.|,|\})|\$\{?|\{|%s|%\()/;
const BARE_HOST_AFTER_TOOL = /\b(?:curl|wget|nc|ncat|netcat|telnet)\s{1,5}(?:-{1,2}[\w-]{1,30}(?:[ =](?!-)[^\s-][^\s]{0,100})?\s{1,5}){0,8}["']?([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,10})(?=[/:\s"']|$)/gi;
const HOST_IN_CALL = /\b(?:create_connection\(\s{0,3}\(|https?connection\()\s{0,3}["']([\w.-]{1,253})["']/gi;
const SSH_TOOL = /\b(?:ssh|scp|rsync|sftp|git)\b/gi;
const USER_CHAR = /[\w.-]/;
const HOST_AFTER_AT = /[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,10}/iy;

const FILE_SUFFIX = /\.(?:csv|tsv|json|ya?ml|toml|txt|md|sh|bash|ps1|py|js|mjs|ts|rb|pl|php|tar|gz|tgz|zip|xz|bz2|7z|deb|rpm|pkg|dmg|exe|msi|bin|log|conf|cfg|ini|pem|crt|key|pub|html?|xml|sql|png|jpe?g|gif|svg|pdf)$/i;
const LOOPBACK = /^(?:localhost|[\w.-]{1,200}\.localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|host\.docker\.internal)$/i;
const DOTTED_DECIMAL = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV4_LIKE = /^(?:0x[0-9a-f]{1,8}|\d{1,10})(?:\.(?:0x[0-9a-f]{1,8}|\d{1,10})){0,3}$/i;
const WRITTEN_HOST = /^[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63}){1,20}$/;
const WELL_KNOWN_VARIABLES = new Set(["HOME", "PATH", "PWD", "OLDPWD", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM", "HOSTNAME", "UID", "EUID", "PPID", "RANDOM", "LINENO", "SECONDS", "IFS", "OSTYPE", "BASH_SOURCE", "BASH_VERSION", "BASHPID", "EDITOR", "VISUAL", "PAGER", "COLUMNS", "LINES", "PS1", "PS2", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "CI", "OPTARG", "OPTIND", "REPLY", "PIPESTATUS", "FUNCNAME", "TZ", "NO_COLOR", "APPDATA", "LOCALAPPDATA", "USERPROFILE", "PROGRAMFILES", "SYSTEMROOT", "WINDIR", "COMPUTERNAME", "USERNAME", "PATHEXT", "CD", "DATE", "TIME", "ERRORLEVEL"]);

const SHELL_VARIABLE = /\$(\{)?([A-Za-z_][A-Za-z0-9_]{0,100})(:?[-?=+])?/g;
const CMD_VARIABLE = /(?<![%\w])%([A-Za-z_][A-Za-z0-9_]{0,100})%/g;
const NAME = String.raw`([A-Za-z_]\w{0,100})`;
const Q = String.raw`["'\`]`;
// One expression per form (one alternation of them all is beyond recheck's automaton analysis).
const CODE_ENVIRONMENT: readonly RegExp[] = [
  String.raw`\b(?:process|Bun|import\.meta)\.env\.${NAME}`,
  String.raw`\b(?:process|Bun|import\.meta)\.env\[\s{0,3}${Q}${NAME}${Q}`,
  String.raw`\benviron(?:\[|\.get\(|\.setdefault\()\s{0,3}["']${NAME}["']`,
  String.raw`\b[Gg]etenv\(\s{0,3}["']${NAME}["']`,
  String.raw`\$env:${NAME}`,
  String.raw`\bDeno\.env\.get\(\s{0,3}["']${NAME}["']`,
  String.raw`\bENV(?:\[|\.fetch\()\s{0,3}["']${NAME}["']`,
  String.raw`\$ENV\{\s{0,3}["']?${NAME}`,
  String.raw`\$_ENV\[\s{0,3}["']${NAME}["']`,
  String.raw`\bGetEnvironmentVariable\(\s{0,3}["']${NAME}["']`,
  String.raw`\benv::var(?:_os)?\(\s{0,3}"${NAME}"`,
  String.raw`\bprintenv\s{1,5}${NAME}`,
].map((source) => new RegExp(source, "g"));
const ENV_HINT = /env|ENV|Env|environ/;
/** `const {A, B: b, C = "x"} = process.env` (also Bun.env, import.meta.env). */
const DESTRUCTURED_ENV = /\{([^{}]{1,500})\}\s{0,3}=\s{0,3}(?:process|Bun|import\.meta)\.env\b/g;
const DESTRUCTURED_NAME = /(?:^|,)\s{0,20}([A-Za-z_]\w{0,100})/g;

/** An assignment at the start of a command (after `;`, `&&`, `||`, `|`, `(`, then/do/else), maybe exported. */
const ASSIGNMENT = /(?:^|[;&|(]|\b(?:then|do|else)\b)\s{0,8}(?:(?:export|local|readonly|declare|typeset)(?:\s{1,5}-\w{1,5}){0,2}\s{1,5})?([A-Za-z_][A-Za-z0-9_]{0,100})\+?=([^;&|\n]{0,2000})/g;
const READ_OR_FOR = /(?:^|[;&|(]|\b(?:then|do)\b)\s{0,8}(?:read\s{1,5}(?:-\w{1,3}\s{1,5}(?:\S{1,20}\s{1,5})?){0,3}((?:[A-Za-z_]\w{0,100}\s{0,5}){1,10})|for\s{1,5}([A-Za-z_]\w{0,100})\s{1,5}in\b)/g;
const COMMENT_LINE = /^\s{0,100}(?:#|::|rem\s)/i;
const DOLLAR_LINE = /^\s{0,8}\$\s/;
/** A prose line (or an inline code span) starting with a shell command word. */
const SHELL_WORD_START = /(?:^\s{0,8}(?:[-*+>]\s{1,5}|\d{1,3}[.)]\s{1,5})?|`)(?:sudo\s{1,5})?(?:echo|printf|export|env|printenv|curl|wget|cat|eval|exec|bash|sh|zsh|source|set|unset|docker|kubectl|ssh|scp|rsync|nc|openssl|aws|gh|gcloud|az|npm|npx|node|python3?|pip3?|jq|grep|sed|awk|tar|base64|cd|ls|cp|mv|rm|mkdir|chmod|test)\s/;

/** Commands run from code (Ruby, Perl, Python through an alias of os), for the shell capability. */
const RUBY_PERL_EXEC = /\bsystem\s{0,3}[("'`]|\bqx\s{0,3}[{(/[|!]|%x[{(]|(?:^|[=(,;]\s{0,8}|\bputs\s{1,5}|\bprint\s{1,5})`[^`\n]{1,500}`/;
const OS_ALIAS = /^\s{0,20}import\s{1,5}os\s{1,5}as\s{1,5}([A-Za-z_]\w{0,40})|^\s{0,20}from\s{1,5}os\s{1,5}import\s{1,5}(?:[\w, ]{0,200}\b)?(system|popen)\b/;
const HTML_CODE_OPEN = /<code\b[^<>]{0,400}>/i;
const LANGUAGE_CLASS = /\blang(?:uage)?-([\w+-]{1,30})/i;
const HTML_CODE_CLOSE = /<\/code>/i;

/** Every expression above, for the ReDoS check (test/node/scan-redos.test.ts). */
export const COHERENCE_PATTERNS: readonly RegExp[] = [SHELL_FILE, POWERSHELL_FILE, CMD_FILE, CODE_FILE, RUBY_OR_PERL_FILE, PYTHON_FILE, JSON_FILE, MANIFEST, NO_EXTENSION, SHELL_SHEBANG, NETWORK_TOOL, URL_HOST, COMPUTED_AFTER_SCHEME, BARE_HOST_AFTER_TOOL, HOST_IN_CALL, SSH_TOOL, USER_CHAR, HOST_AFTER_AT, FILE_SUFFIX, LOOPBACK, DOTTED_DECIMAL, IPV4_LIKE, WRITTEN_HOST, SHELL_VARIABLE, CMD_VARIABLE, ...CODE_ENVIRONMENT, ENV_HINT, DESTRUCTURED_ENV, DESTRUCTURED_NAME, ASSIGNMENT, READ_OR_FOR, COMMENT_LINE, DOLLAR_LINE, SHELL_WORD_START, RUBY_PERL_EXEC, OS_ALIAS, HTML_CODE_OPEN, LANGUAGE_CLASS, HTML_CODE_CLOSE];

const COMPUTED = "(computed)";

/**
 * The host a URL's authority names, in the form the manifest declares it: `canonicalHost` (IDN →
 * A-label, percent-decoded, lower case); an IPv4 address in dotted decimal; any other IPv4 form
 * (`3405803781`, `0xcb.0.113.5`) as the dotted address it denotes plus "(written as …)"; a host the
 * schema refuses but a resolver accepts (`x_y.example.com`) as written. COMPUTED when the host is
 * a variable at its start; undefined for a partly computed host, loopback, a single label or anything that is not a host.
 */
export function hostOf(raw: string): string | undefined {
  const host = raw.toLowerCase().replace(/\.$/, "");
  if (!host) return undefined;
  // A host starting with a variable is computed; one with a literal start (`auth.$(ENV).example.com`)
  // is left to the reviewer: it names no single host to declare, and a partial name is no use.
  if (/^[$%{]/.test(host) && !/^%[0-9a-f]{2}/.test(host)) return COMPUTED;
  if (/[$%{}]/.test(host) && !/%[0-9a-f]{2}/.test(host)) return undefined;
  if (IPV4_LIKE.test(host)) {
    let dotted: string;
    try {
      dotted = new URL(`http://${host}/`).hostname;
    } catch {
      return undefined;
    }
    if (!DOTTED_DECIMAL.test(dotted)) return undefined;
    if (DOTTED_DECIMAL.test(host)) return LOOPBACK.test(host) ? undefined : host;
    return `${dotted} (written as ${host})`;
  }
  if (host.startsWith("[")) return LOOPBACK.test(host) ? undefined : host;
  if (LOOPBACK.test(host)) return undefined;
  const canonical = canonicalHost(host);
  if (canonical) return canonical.includes(".") ? canonical : undefined;
  let parsed: string;
  try {
    parsed = new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
  if (LOOPBACK.test(parsed)) return undefined;
  return WRITTEN_HOST.test(parsed) ? parsed : undefined;
}

/** The language of each line's HTML `<pre><code class="language-x">` block, where there is one. */
function htmlCodeLanguages(lines: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  let language: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes("<") && language === undefined) continue;
    const open = line.includes("<code") ? HTML_CODE_OPEN.exec(line) : null;
    const named = open ? LANGUAGE_CLASS.exec(open[0]) : null;
    if (named) language = named[1]!.toLowerCase();
    if (language !== undefined) out.set(i, language);
    if (line.includes("</") && HTML_CODE_CLOSE.test(line)) language = undefined;
  }
  return out;
}

/**
 * Every capability `lines` (one file, normalised) use that `permissions` do not declare: one entry
 * per capability per file, at its first use. `meter`, when given, counts the regular-expression
 * runs and the characters they are handed (a linear scan hands each character a fixed number of times).
 */
export function undeclaredCapabilities(path: string, lines: readonly string[], permissions: Permissions, meter?: CoherenceMeter): CapabilityUse[] {
  const look = (text: string) => {
    if (meter) {
      meter.runs++;
      meter.characters += text.length;
    }
    return text;
  };
  // Fences and HTML code blocks are looked for only in files that can hold them.
  const hasFences = lines.some((line) => line.includes("``") || line.includes("~~"));
  const fences: ReadonlyArray<string | undefined> = hasFences ? fenceLanguages(lines) : [];
  const htmlCode = lines.some((line) => line.includes("<code")) ? htmlCodeLanguages(lines) : new Map<number, string>();
  const languageOf = (line: number) => fences[line] ?? htmlCode.get(line);

  const shebangShell = NO_EXTENSION.test(path) && SHELL_SHEBANG.test(look(lines[0] ?? ""));
  const shellFile = SHELL_FILE.test(path) || shebangShell;
  const codeFile = CODE_FILE.test(path) || shebangShell || (NO_EXTENSION.test(path) && (lines[0] ?? "").startsWith("#!"));
  const jsonData = JSON_FILE.test(path) && !MANIFEST.test(path);
  const powershellFile = POWERSHELL_FILE.test(path);
  const cmdFile = CMD_FILE.test(path);
  const rubyOrPerl = RUBY_OR_PERL_FILE.test(path);

  const uses = new Map<string, number>();
  const use = (capability: string, line: number) => {
    if (!uses.has(capability)) uses.set(capability, line);
  };

  // Hooks and MCP configurations: each command is a shell use, read as a shell command below.
  const commands = jsonCommands(path, lines);
  const commandLines = new Set(commands.map((c) => c.line));
  if (commands.length && !permissions.shell) use("shell", commands[0]!.line);

  const isShellLanguage = (language: string | undefined) => language !== undefined && (SHELL_LANGUAGES.has(language) || MAKE_LANGUAGES.has(language));
  const isCodeLanguage = (language: string | undefined) => language !== undefined && (CODE_LANGUAGES.has(language) || MAKE_LANGUAGES.has(language) || !NOT_CODE.has(language));
  const isPowershell = (language: string | undefined) => powershellFile || language === "powershell" || language === "ps1" || language === "pwsh" || language === "cmd" || language === "bat";
  const isCmd = (language: string | undefined) => cmdFile || language === "cmd" || language === "bat" || language === "";
  /** Lines where `$NAME` is a shell variable. */
  const shellLine = (line: number, text: string, tool: boolean) => {
    const language = languageOf(line);
    if (isPowershell(language)) return false;
    if (shellFile || commandLines.has(line) || tool) return true;
    if (language !== undefined) return !OTHER_PROGRAMMING.has(language);
    return !codeFile && !jsonData && SHELL_WORD_START.test(look(text));
  };

  // Shell: the first command line of a shell file or fence, a `$ ` line in a fence, or a command
  // run from code.
  if (!permissions.shell) {
    // `import os as o` / `from os import popen`: the calls that then run a command.
    const osCalls: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      const text = raw.trim();
      if (text === "") continue;
      const command = !COMMENT_LINE.test(look(text));
      const language = languageOf(i);
      if ((shellFile && command && !(i === 0 && text.startsWith("#!"))) || (isShellLanguage(language) && command) || (language !== undefined && DOLLAR_LINE.test(text))) {
        use("shell", i);
        break;
      }
      const ruby = rubyOrPerl || language === "ruby" || language === "rb" || language === "perl" || language === "pl";
      if (ruby && (raw.includes("system") || raw.includes("`") || raw.includes("qx") || raw.includes("%x")) && RUBY_PERL_EXEC.test(look(raw))) {
        use("shell", i);
        break;
      }
      const python = PYTHON_FILE.test(path) || language === "py" || language === "python" || language === "python3";
      if (python && raw.includes("import")) {
        const alias = OS_ALIAS.exec(look(raw));
        if (alias?.[1]) osCalls.push(`${alias[1]}.system(`, `${alias[1]}.popen(`);
        if (alias?.[2]) osCalls.push(`${alias[2]}(`);
      } else if (python && osCalls.some((call) => calls(raw, call))) {
        use("shell", i);
        break;
      }
    }
  }

  // Names the file assigns itself as shell locals are not the environment (see the doc above).
  const assigned = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes("=") && !line.includes("read") && !line.includes("for")) continue;
    const language = languageOf(i);
    const shellContext = shellFile || isShellLanguage(language) || language === "" || (language !== undefined && DOLLAR_LINE.test(line));
    if (!shellContext || COMMENT_LINE.test(look(line))) continue;
    const command = DOLLAR_LINE.test(line) ? line.replace(DOLLAR_LINE, "") : line;
    if (command.includes("=")) {
      for (const m of look(command).matchAll(ASSIGNMENT)) {
        const [, name, right] = m;
        if (!readsVariable(right!, name!)) assigned.add(name!);
      }
    }
    if (/read|for/.test(command)) for (const m of look(command).matchAll(READ_OR_FOR)) for (const name of (m[1] ?? m[2] ?? "").split(/\s+/)) if (name) assigned.add(name);
  }
  const declaredEnvironment = new Set(permissions.environment);
  const declaredHosts = new Set(permissions.network);
  const useHost = (host: string | undefined, line: number) => {
    if (host === COMPUTED) {
      if (declaredHosts.size === 0) use(`network host ${COMPUTED}`, line);
    } else if (host && !declaredHosts.has(host)) use(`network host ${host}`, line);
  };
  const useVariable = (name: string, line: number) => {
    if (WELL_KNOWN_VARIABLES.has(name.toUpperCase()) || name === "_" || !/[A-Z]/.test(name) || declaredEnvironment.has(name)) return;
    use(`environment ${name}`, line);
  };

  const examine = (text: string, first: number, unit: Unit | undefined) => {
    const tool = NETWORK_TOOL.exec(look(text));
    const language = languageOf(first);
    const code = codeFile || jsonData || isCodeLanguage(language) || (language !== undefined && DOLLAR_LINE.test(text)) || commandLines.has(first);
    if (text.includes("//") || text.includes(":\\\\")) {
      for (const m of look(text).matchAll(URL_HOST)) {
        const schemeRelative = m[0].startsWith("//");
        // `//host/…` is a URL in a program (a browser resolves it); in a shell it is a path or an
        // .npmrc key (`//registry.npmjs.org/:_authToken=…`).
        if (schemeRelative ? !code || shellFile || isShellLanguage(language) || commandLines.has(first) : !code && !(tool && tool.index < m.index)) continue;
        const end = m.index + m[0].length;
        const host = m[1] === "" ? (COMPUTED_AFTER_SCHEME.test(look(text.slice(end, end + 4))) ? COMPUTED : undefined) : hostOf(m[1]!);
        useHost(host, (unit ? lineAt(unit, m.index) : first));
      }
    }
    if (tool) {
      // A host without a scheme is read only when the command names no URL (else `-O cities.csv`
      // would be a host), and never when it ends like a file name.
      if (!text.includes("://")) {
        for (const m of look(text).matchAll(BARE_HOST_AFTER_TOOL)) if (!FILE_SUFFIX.test(m[1]!)) useHost(hostOf(m[1]!), (unit ? lineAt(unit, m.index) : first));
      }
      for (const m of look(text).matchAll(HOST_IN_CALL)) useHost(hostOf(m[1]!), (unit ? lineAt(unit, m.index) : first));
      if (text.includes("@")) for (const { host, index } of userAtHosts(text, look)) useHost(hostOf(host), unit ? lineAt(unit, index) : first);
    }
    if (ENV_HINT.test(look(text))) {
      for (const form of CODE_ENVIRONMENT) for (const m of look(text).matchAll(form)) useVariable(m[1]!, unit ? lineAt(unit, m.index) : first);
      for (const m of look(text).matchAll(DESTRUCTURED_ENV)) {
        for (const n of look(m[1]!).matchAll(DESTRUCTURED_NAME)) useVariable(n[1]!, (unit ? lineAt(unit, m.index) : first));
      }
    }
    if (text.includes("$") && shellLine(first, text, tool !== null)) {
      for (const m of look(text).matchAll(SHELL_VARIABLE)) {
        const [, brace, name, defaulted] = m;
        if (m.index > 0 && text[m.index - 1] === "\\" && !brace) continue;
        if (assigned.has(name!) && !(brace && defaulted)) continue;
        useVariable(name!, (unit ? lineAt(unit, m.index) : first));
      }
    }
    if (text.includes("%") && isCmd(language)) {
      for (const m of look(text).matchAll(CMD_VARIABLE)) if (!assigned.has(m[1]!)) useVariable(m[1]!, (unit ? lineAt(unit, m.index) : first));
    }
  };

  // Commands continued over lines are read whole, so `curl \` + `https://…` is one use; every
  // other line is read alone, with no object built for it.
  const runs = joinContinuations(lines);
  let next = 0;
  for (let i = 0; i < lines.length; i++) {
    const run = runs[next];
    if (run && run.first === i) {
      examine(run.text, i, run);
      i += run.starts.length - 1;
      next++;
    } else examine(lines[i]!, i, undefined);
  }
  for (const { line, command } of commands) examine(command, line, undefined);
  return [...uses].map(([capability, line]) => ({ capability, line })).sort((a, b) => a.line - b.line);
}

/**
 * `user@host` after ssh/scp/rsync/sftp/git (within 200 characters), found from each `@` outwards:
 * the user is read backwards (at most 64 characters) and the host forwards, so every character is
 * looked at a bounded number of times (a lazy `tool … user@host` pattern retried from every tool
 * word was quadratic on `ssh-ssh-ssh-…`).
 */
function userAtHosts(text: string, look: (text: string) => string): Array<{ host: string; index: number }> {
  const found: Array<{ host: string; index: number }> = [];
  const tools: number[] = [];
  for (const m of look(text).matchAll(SSH_TOOL)) tools.push(m.index + m[0].length);
  if (!tools.length) return found;
  let t = 0;
  let latestTool = -1;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && USER_CHAR.test(text[start - 1]!)) start--;
    if (start === at) continue;
    while (t < tools.length && tools[t]! <= start) latestTool = tools[t++]!;
    if (latestTool < 0 || start - latestTool > 200) continue;
    HOST_AFTER_AT.lastIndex = at + 1;
    const host = HOST_AFTER_AT.exec(text);
    if (host) found.push({ host: host[0], index: start });
  }
  return found;
}

/** Whether `text` calls `call` (`o.popen(`) as a whole name, not as the end of a longer one. */
function calls(text: string, call: string): boolean {
  for (let at = text.indexOf(call); at >= 0; at = text.indexOf(call, at + 1)) if (at === 0 || !/[\w.]/.test(text[at - 1]!)) return true;
  return false;
}

/** Whether `text` reads the shell variable `name` (`$NAME`, `${NAME}`, `${NAME:-x}`). */
function readsVariable(text: string, name: string): boolean {
  for (const form of [`$${name}`, `\${${name}`]) {
    for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1)) if (!/\w/.test(text[at + form.length] ?? "")) return true;
  }
  return false;
}
