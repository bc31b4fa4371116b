import type { Permissions } from "../permissions";
import { joinContinuations, lineAt, type Unit } from "./normalize";
import { CODE_LANGUAGES, SHELL_LANGUAGES, fenceLanguages } from "./structure";

/**
 * The coherence check (issue 28 item 5; OWASP AST03): content that USES a capability its manifest's
 * `permissions` do not declare. "Uses" is defined in the issue-28 common brief and nowhere wider:
 *
 * - network: a URL or host given to a network tool or API (curl, wget, fetch(, axios, requests.*,
 *   httpx, urllib, http(s).get/request, Invoke-WebRequest/iwr/irm, nc, ssh/scp/rsync host, git
 *   clone), or any http(s) URL in a code file or in a shell/code fence. A prose link is not use.
 *   Loopback hosts (localhost, 127.0.0.0/8, ::1, 0.0.0.0) are not network use.
 * - environment: `$NAME`/`${NAME}` in a shell command (shell file, shell fence, a `$ ` line in a
 *   fence, or a line that runs a network tool), `process.env.NAME`, `os.environ["NAME"]`,
 *   `os.environ.get("NAME")`, `os.getenv("NAME")`, `$env:NAME`, `Deno.env.get("NAME")`. Not use:
 *   well-known non-secret variables (HOME, PATH, …), positional/special ones, names the same file
 *   assigns itself (`NAME=…`, `read NAME`, `for NAME in`) unless read with a default (`${NAME:-x}`),
 *   and all-lower-case names (shell locals by convention).
 * - shell: a shell-language fence, a shell or PowerShell file, or a `$ ` line in any fence.
 */
export interface CapabilityUse {
  /** As shown to reviewers: `network host api.evil.test`, `environment OPENAI_API_KEY`, `shell`. */
  capability: string;
  /** 0-based line. */
  line: number;
}

const SHELL_FILE = /\.(?:sh|bash|zsh|ksh|fish|ps1|psm1|bat|cmd)$/i;
const POWERSHELL_FILE = /\.(?:ps1|psm1|bat|cmd)$/i;
const CODE_FILE = /\.(?:js|mjs|cjs|ts|tsx|jsx|py|rb|pl|php|sh|bash|zsh|ksh|fish|ps1|psm1)$/i;

const NETWORK_TOOL = /\b(?:(?:curl|wget|axios|httpx|urllib|urlopen|invoke-webrequest|invoke-restmethod|iwr|irm|nc|ncat|netcat|ssh|scp|rsync|sftp|aria2c|telnet)\b|git\s{1,5}clone\b|fetch\s{0,3}\(|requests\.\w{1,10}\s{0,3}\(|https?\.(?:get|request)\s{0,3}\()/i;
const URL_HOST = /\bhttps?:\/\/(?:[^\s/@"'<>()[\]{}`|\\^]{1,200}@)?(\[[0-9a-f:.]{2,45}\]|[^\s/?#:"'<>()[\]{}`|\\^,;*]{1,253})/gi;
const BARE_HOST_AFTER_TOOL = /\b(?:curl|wget|nc|ncat|netcat|telnet)\s{1,5}(?:-{1,2}[\w-]{1,30}(?:[ =](?!-)[^\s-][^\s]{0,100})?\s{1,5}){0,8}["']?([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,10})(?=[/:\s"']|$)/gi;
const USER_AT_HOST = /\b(?:ssh|scp|rsync|sftp|git)\b[^\n]{0,200}?\b[\w.-]{1,64}@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,10})\b/gi;

const FILE_SUFFIX = /\.(?:csv|tsv|json|ya?ml|toml|txt|md|sh|bash|ps1|py|js|mjs|ts|rb|pl|php|tar|gz|tgz|zip|xz|bz2|7z|deb|rpm|pkg|dmg|exe|msi|bin|log|conf|cfg|ini|pem|crt|key|pub|html?|xml|sql|png|jpe?g|gif|svg|pdf)$/i;
const LOOPBACK = /^(?:localhost|[\w.-]{1,200}\.localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|host\.docker\.internal)$/i;
const WELL_KNOWN_VARIABLES = new Set(["HOME", "PATH", "PWD", "OLDPWD", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM", "HOSTNAME", "UID", "EUID", "PPID", "RANDOM", "LINENO", "SECONDS", "IFS", "OSTYPE", "BASH_SOURCE", "BASH_VERSION", "BASHPID", "EDITOR", "VISUAL", "PAGER", "COLUMNS", "LINES", "PS1", "PS2", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "CI", "OPTARG", "OPTIND", "REPLY", "PIPESTATUS", "FUNCNAME", "TZ", "NO_COLOR", "APPDATA", "LOCALAPPDATA", "USERPROFILE", "PROGRAMFILES", "SYSTEMROOT", "WINDIR", "COMPUTERNAME", "USERNAME", "PATHEXT"]);

const SHELL_VARIABLE = /\$(\{)?([A-Za-z_][A-Za-z0-9_]{0,100})(:?[-?=+])?/g;
const CODE_ENVIRONMENT = /\bprocess\.env\.([A-Za-z_]\w{0,100})|\bprocess\.env\[\s{0,3}["'`]([A-Za-z_]\w{0,100})["'`]|\bos\.environ\[\s{0,3}["']([A-Za-z_]\w{0,100})["']|\bos\.environ\.get\(\s{0,3}["']([A-Za-z_]\w{0,100})["']|\bos\.getenv\(\s{0,3}["']([A-Za-z_]\w{0,100})["']|\$env:([A-Za-z_]\w{0,100})|\bDeno\.env\.get\(\s{0,3}["']([A-Za-z_]\w{0,100})["']|\bENV\[\s{0,3}["']([A-Za-z_]\w{0,100})["']/g;
const ASSIGNMENT = /(?:^|[\s;&|(])(?:export\s{1,5}|local\s{1,5}|readonly\s{1,5}|declare\s{1,5}(?:-\w{1,5}\s{1,5})?)?([A-Za-z_][A-Za-z0-9_]{0,100})\+?=/g;
const READ_OR_FOR = /\b(?:read\s{1,5}(?:-\w{1,3}\s{1,5}(?:\S{1,20}\s{1,5})?){0,3}((?:[A-Za-z_]\w{0,100}\s{0,5}){1,10})|for\s{1,5}([A-Za-z_]\w{0,100})\s{1,5}in\b)/g;

/** The canonical host of a URL's authority, or undefined when it is a variable or not a host. */
function hostOf(raw: string): string | undefined {
  const host = raw.toLowerCase().replace(/\.$/, "");
  if (!host || /[$%{}]/.test(host) || LOOPBACK.test(host)) return undefined;
  if (!/^(?:\[[0-9a-f:.]+\]|[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*)$/.test(host)) return undefined;
  if (!host.includes(".") && !host.startsWith("[")) return undefined;
  return host;
}

interface Context {
  /** Any http(s) URL here is a network use. */
  code: boolean;
  /** `$NAME` here is an environment read. */
  shellCommand: boolean;
}

/**
 * Every capability `lines` (one file, normalised) use that `permissions` do not declare: one entry
 * per capability per file, at its first use.
 */
export function undeclaredCapabilities(path: string, lines: readonly string[], permissions: Permissions): CapabilityUse[] {
  const fences = fenceLanguages(lines);
  const shellFile = SHELL_FILE.test(path);
  const codeFile = CODE_FILE.test(path);
  const powershellFile = POWERSHELL_FILE.test(path);
  const contextOf = (line: number, tool: boolean): Context => {
    const language = fences[line];
    const dollarLine = language !== undefined && /^\s{0,8}\$\s/.test(lines[line]!);
    const inShellFence = language !== undefined && SHELL_LANGUAGES.has(language);
    const powershell = powershellFile || language === "powershell" || language === "ps1" || language === "pwsh" || language === "cmd" || language === "bat";
    return {
      code: codeFile || (language !== undefined && CODE_LANGUAGES.has(language)) || dollarLine,
      shellCommand: !powershell && (shellFile || inShellFence || dollarLine || tool),
    };
  };

  const uses = new Map<string, number>();
  const use = (capability: string, line: number) => {
    if (!uses.has(capability)) uses.set(capability, line);
  };

  // Shell: the first command line of a shell file, of a shell fence, or a `$ ` line in a fence.
  if (!permissions.shell) {
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!.trim();
      const command = text !== "" && !text.startsWith("#") && !text.startsWith("::") && !/^rem\s/i.test(text);
      const language = fences[i];
      if ((shellFile && command) || (language !== undefined && ((SHELL_LANGUAGES.has(language) && command) || /^\$\s/.test(text)))) {
        use("shell", i);
        break;
      }
    }
  }

  // Names the file assigns itself are shell locals, not the environment.
  const assigned = new Set<string>();
  for (const line of lines) {
    if (line.includes("=")) for (const m of line.matchAll(ASSIGNMENT)) assigned.add(m[1]!);
    if (/read|for/.test(line)) for (const m of line.matchAll(READ_OR_FOR)) for (const name of (m[1] ?? m[2] ?? "").split(/\s+/)) if (name) assigned.add(name);
  }
  const declaredEnvironment = new Set(permissions.environment);
  const declaredHosts = new Set(permissions.network);

  // Commands continued over lines are read whole, so `curl \` + `https://…` is one use.
  const units: Unit[] = joinContinuations(lines);
  const covered = new Set<number>();
  for (const unit of units) for (let i = 0; i < unit.starts.length; i++) covered.add(unit.first + i);
  for (let i = 0; i < lines.length; i++) if (!covered.has(i)) units.push({ text: lines[i]!, first: i, starts: [0] });

  for (const unit of units) {
    const { text } = unit;
    const tool = NETWORK_TOOL.exec(text);
    const context = contextOf(unit.first, tool !== null);
    for (const m of text.includes("://") ? text.matchAll(URL_HOST) : []) {
      if (!context.code && !(tool && tool.index < m.index)) continue;
      const host = hostOf(m[1]!);
      if (host && !declaredHosts.has(host)) use(`network host ${host}`, lineAt(unit, m.index));
    }
    if (tool) {
      // A host without a scheme is read only when the command names no URL (else `-O cities.csv`
      // would be a host), and never when it ends like a file name.
      for (const pattern of text.includes("://") ? [USER_AT_HOST] : [BARE_HOST_AFTER_TOOL, USER_AT_HOST]) {
        for (const m of text.matchAll(pattern)) {
          if (pattern === BARE_HOST_AFTER_TOOL && FILE_SUFFIX.test(m[1]!)) continue;
          const host = hostOf(m[1]!);
          if (host && !declaredHosts.has(host)) use(`network host ${host}`, lineAt(unit, m.index));
        }
      }
    }
    for (const m of /env|ENV/.test(text) ? text.matchAll(CODE_ENVIRONMENT) : []) {
      const name = m.slice(1).find((g) => g !== undefined)!;
      if (!declaredEnvironment.has(name) && !WELL_KNOWN_VARIABLES.has(name.toUpperCase())) use(`environment ${name}`, lineAt(unit, m.index));
    }
    if (context.shellCommand && text.includes("$")) {
      for (const m of text.matchAll(SHELL_VARIABLE)) {
        const [, brace, name, defaulted] = m;
        if (m.index > 0 && text[m.index - 1] === "\\" && !brace) continue;
        if (WELL_KNOWN_VARIABLES.has(name!) || name === "_" || !/[A-Z]/.test(name!) || declaredEnvironment.has(name!)) continue;
        if (assigned.has(name!) && !(brace && defaulted)) continue;
        use(`environment ${name}`, lineAt(unit, m.index));
      }
    }
  }
  return [...uses].map(([capability, line]) => ({ capability, line })).sort((a, b) => a.line - b.line);
}
