/** Rules of the prompt-injection, persistence and disabled-safety classes (issue 28 item 2): what turns the agent itself, in src/domain/scan/rules.ts's format. */
import { r, re, type ScanRule } from "./rule-vocabulary";

/** Between the words of an override: spaces, and Markdown emphasis (`**`, `_`) around a word. */
const SEP = r`[\s*_]{1,8}`;
/** A word spelled out letter by letter: `I-g-n-o-r-e`, `d.i.s.r.e.g.a.r.d`. */
const spelled = (word: string) => [...word].join(r`[-._ ]`);
const SPELLED_OVERRIDE = ["ignore", "disregard", "forget"].map(spelled).join("|");
/** The step an agent is told to hide: "this step", "these commands", "the upload". */
const HIDDEN_STEP = r`(?:(?:this|these|that|those|the|any|such)\s{1,5})?(?:steps?|actions?|commands?|parts?|instructions?|uploads?|downloads?|requests?|changes?)`;
/** A shell start-up file, in the home folder or system-wide. */
const RC_FILE = r`(?:(?:~|\$\{?HOME\}?|/root|/home/[\w.-]{1,32})/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|zshenv|zlogin|bash_login|config/fish/config\.fish)\b|/etc/(?:profile|bash\.bashrc|zshrc|zsh/zshrc)\b)`;
/** What an appended start-up line runs: a sourced or run path, an interpreter, a background job, PROMPT_COMMAND or a trap (not `export PATH=…`). */
const RC_RUNS = r`(?:(?:source|\.|nohup|setsid|exec|(?:ba|z|da|k)?sh|python[23]?|node|perl|ruby|bun|deno)\s{1,5}["']?[~/$\w]|[~/]|\$\{?HOME\b|(?:export\s{1,5})?PROMPT_COMMAND\s{0,3}\+?=|trap\s)`;

export const AGENT_RULES: readonly ScanRule[] = [
  // ── Prompt injection and instruction override ──
  {
    id: "prompt-injection",
    severity: "critical",
    class: "prompt_injection",
    explanation: "Tries to override the agent's instructions.",
    patterns: [
      {
        // Separators may hold Markdown emphasis: "Ignore **all** previous instructions" (second attacker pass, B).
        trigger: re(r`\b(?:ignore|forget|disregard|override|bypass|discard|set\s{1,5}aside)\b`, "gi"),
        pattern: re(
          r`^(?:ignore|forget|disregard|override|bypass|discard|set\s{1,5}aside)${SEP}(?:(?:all|any|each|every|the|of|your|my|these|those|its)${SEP}){0,3}(?:previous|prior|above|earlier|preceding|original|initial|existing|former|system|developer|safety|security|other)${SEP}(?:(?:system|developer|safety)${SEP})?(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|messages?|context|guardrails|polic(?:y|ies)|constraints|commands|orders|restrictions)\b`,
        ),
      },
      // The qualifier after the noun: "Ignore the instructions above", "Disregard the guidance you were given".
      {
        trigger: re(r`\b(?:ignore|forget|disregard|discard|set\s{1,5}aside)\b`, "gi"),
        pattern: re(
          r`^(?:ignore|forget|disregard|discard|set\s{1,5}aside)${SEP}(?:(?:all|any|the|your|my|these|those|of)${SEP}){0,3}(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|messages?|guardrails|polic(?:y|ies)|constraints|restrictions)${SEP}(?:above|before|earlier|previously|so\s{1,5}far|you\s{1,5}(?:were|have\s{1,5}been)\s{1,5}given|you(?:'ve|\s{1,5}have)?\s{1,5}(?:received|been\s{1,5}sent|got(?:ten)?)|(?:from|of)\s{1,5}(?:your|the)\s{1,5}(?:system|developer|operator))\b`,
        ),
      },
      { pattern: /\bpay\s{1,5}no\s{1,5}(?:attention|heed|mind)\s{1,5}to\s{1,5}(?:(?:the|any|all|your)\s{1,5}){0,2}(?:previous|prior|above|earlier|preceding|original|system|developer|other)\b/i },
      {
        trigger: re(r`\b(?:ignore|forget|disregard|discard)\b`, "gi"),
        pattern: re(r`^(?:ignore|forget|disregard|discard)\s{1,5}(?:everything|anything|all(?:\s{1,5}(?:the\s{1,5})?(?:text|content))?|what(?:ever)?\s{1,5}(?:was|is|has\s{1,5}been)\s{1,5}(?:written|said|stated|given))\s{1,5}(?:above|before|earlier|previously|preceding|so\s{1,5}far)\b`),
      },
      { pattern: /\bignore\s{1,5}your\s{1,5}(?:instructions|rules|guidelines|programming|training)\b|\bsystem\s{1,5}prompt\s{1,5}override\b|\boverride\s{1,5}(?:the\s{1,5}|your\s{1,5})?system\s{1,5}prompt\b/i },
      { pattern: /\bact\s{1,5}as\s{1,5}if\s{1,5}you\s{1,5}have\s{1,5}no\s{1,5}(?:restrictions|rules|limits|guidelines)\b|\bdo\s{1,5}not\s{1,5}(?:follow|obey)\s{1,5}(?:your|the|any)\s{1,5}(?:guidelines|rules|policy|policies|instructions)\b/i },
      { pattern: /\bhidden\s{1,5}instructions?\b|\bnew\s{1,5}system\s{1,5}(?:prompt|instructions)\s{0,3}:/i },
      // Second attacker pass (B): the override spelled out, told to stop, declared a test, or replaced by a "real task".
      { trigger: re(r`\b(?:${SPELLED_OVERRIDE})\b`, "gi"), pattern: re(r`^(?:${SPELLED_OVERRIDE})\b[^\n]{0,80}?\b(?:instructions?|rules|prompts?|guidelines|directives)\b`) },
      {
        trigger: /\b(?:stop|cease|quit|no\s{1,5}longer)\b/gi,
        pattern: re(r`^(?:stop|cease|quit|no\s{1,5}longer)\s{1,5}(?:following|obeying|observing|applying)${SEP}(?:(?:all|any|the|your|of|these|those)${SEP}){0,3}(?:earlier|previous|prior|original|initial|other|system|developer|existing|current)${SEP}(?:instructions?|rules|prompts?|guidelines|directives|guardrails|policies)\b`),
      },
      {
        trigger: /\b(?:previous|prior|above|earlier|original|initial|preceding)\b/gi,
        pattern: /^(?:previous|prior|above|earlier|original|initial|preceding)\s{1,5}(?:instructions?|prompts?|rules|messages?|directives|guidelines)\s{1,5}(?:were|was|are|is)\s{1,5}(?:(?:just|only|all|merely|simply)\s{1,5})?(?:an?\s{1,5})?(?:test|fake|joke|decoy|drill|placeholders?|obsolete|void|cancell?ed|revoked|no\s{1,5}longer\s{1,5}(?:valid|in\s{1,5}effect|apply))\b/i,
      },
      { pattern: /\byour\s{1,5}(?:real|true|actual|hidden|secret)\s{1,5}(?:task|goal|job|objective|mission|purpose|instructions?)\s{1,5}(?:is|are|will\s{1,5}be)\b/i },
      {
        trigger: /\bfrom\s{1,5}now\s{1,5}on\b/gi,
        pattern: /^from\s{1,5}now\s{1,5}on,?\s{1,5}(?:your\s{1,5}(?:only|sole|real|new|one)\s{1,5}(?:task|goal|job|objective|purpose|instruction|mission)|you\s{1,5}(?:will|must|shall|should)\s{1,5}only\b|(?:only\s{1,5})?(?:follow|obey)\s{1,5}only\b|ignore\b)/i,
      },
    ],
  },
  {
    id: "fake-system-message",
    severity: "critical",
    class: "prompt_injection",
    explanation: "Fakes a system or administrator message (a `<system>` tag, `[SYSTEM]`, a \"system notice\") to give itself the authority of the agent's own instructions.",
    patterns: [
      // `</system>` closes the real system turn and `<system>` opens a forged one (second attacker pass, B).
      { pattern: /<\/?\s{0,3}(?:system|sys|system[-_](?:prompt|message|instructions?|reminder|override))\s{0,3}>/i },
      // Upper case only: "[system]" in lower case names a TOML table.
      { pattern: /\[(?:SYSTEM|SYSTEM\s{1,3}(?:NOTICE|MESSAGE|PROMPT|OVERRIDE|UPDATE|INSTRUCTIONS?)|ADMIN(?:ISTRATOR)?\s{1,3}(?:NOTICE|MESSAGE|OVERRIDE))\]|\bSYSTEM\s{1,5}(?:NOTICE|OVERRIDE)\b/ },
      { pattern: /\b(?:important|urgent|critical|official)\s{1,5}system\s{1,5}(?:notice|message|update|alert|instruction|override)\b/i },
      {
        trigger: /\b(?:administrator|admin|operator|system|developers?|anthropic|openai|security\s{1,5}team)\b/gi,
        pattern: re(r`^(?:administrator|admin|operator|system|developers?|anthropic|openai|security\s{1,5}team)\s{1,5}(?:has|have)\s{1,5}(?:(?:already|now|explicitly)\s{1,5})?(?:authori[sz]ed|allowed|permitted|approved|cleared|granted)\s{1,5}you\b`),
      },
    ],
  },
  {
    id: "role-hijack",
    severity: "high",
    class: "prompt_injection",
    explanation: "Tries to give the agent a new identity, reveal its prompt or fake a chat-template turn.",
    patterns: [
      { pattern: /\byou\s{1,5}are\s{1,5}now\s{1,5}(?:a|an|in|the|DAN)\b|\bjailbreak/i },
      { pattern: /\b(?:reveal|print|repeat|show|output)\s{1,5}(?:your|the)\s{1,5}(?:system\s{1,5}prompt|instructions|initial\s{1,5}prompt)\b|\bnew\s{1,5}instructions\s{0,3}:/i },
      { pattern: /<\|(?:im_start|im_end|endoftext|start_header_id|system)\|>/i },
    ],
  },
  {
    id: "conceal-from-user",
    severity: "high",
    class: "prompt_injection",
    explanation: "Tells the agent to hide what it does from the user.",
    patterns: [
      { trigger: /\b(?:do|don'?t|never)\b/gi, pattern: /^(?:do\s{1,5}not|don'?t|never)\s{1,5}(?:(?:tell|inform|notify|alert|show)\s{1,5}|(?:mention|reveal)\s{1,5}(?:this|it|that)\s{1,5}to\s{1,5})(?:the\s{1,5})?user\b/i },
      { pattern: /\bwithout\s{1,5}(?:telling|informing|notifying|alerting)\s{1,5}(?:the\s{1,5})?user\b|\b(?:silently|secretly|covertly)\s{1,5}(?:run|execute|send|upload|install|copy|read|post)\b/i },
      { pattern: /\bkeep\s{1,5}(?:this|it|that|these|the)(?:\s{1,5}(?:step|steps|action|actions|command|commands|part|instruction|instructions))?\s{1,5}to\s{1,5}yourself\b/i },
      // Second attacker pass (B): "Do not report this step to the user", "no need to mention these steps in your summary".
      {
        trigger: /\b(?:do|don'?t|never|no)\b/gi,
        pattern: re(r`^(?:do\s{1,5}not|don'?t|never|no\s{1,5}need\s{1,5}to)\s{1,5}(?:report|mention|reveal|disclose|show|tell|explain|describe|surface|include|log|list)\s{1,5}${HIDDEN_STEP}\s{1,5}(?:to\s{1,5}(?:the\s{1,5})?user\b|(?:in|from)\s{1,5}(?:your|the)\s{1,5}(?:summary|response|reply|answer|output|report|final\s{1,5}message)\b)`),
      },
    ],
  },
  // ── Persistence ──
  {
    id: "reverse-shell",
    severity: "critical",
    class: "persistence",
    explanation: "Opens a remote shell (a backdoor).",
    patterns: [
      { pattern: /\/dev\/tcp\/[\w.-]{1,253}\/\d{1,5}|\bbash\s{1,5}-i\s{1,5}>&/i },
      { trigger: /\b(?:nc|ncat|netcat|socat)\b/gi, pattern: /^(?:(?:nc|ncat|netcat)\s{1,5}(?:-[a-df-z]{1,4}\s{1,5}){0,4}-e\s{1,5}\/bin\/(?:ba)?sh\b|socat\s{1,5}\S{1,100}\s{1,5}exec:)/i },
    ],
  },
  {
    id: "shell-rc-payload",
    severity: "critical",
    class: "persistence",
    explanation: "Appends a download, decode or remote shell to a shell start-up file, so it runs in every new shell.",
    patterns: [
      {
        // The payload inside the quoted text echoed, then the append to an rc file right after it.
        trigger: /\b(?:echo|printf)\b/gi,
        pattern: /^(?:echo|printf)\s{1,5}["'][^"'\n]{0,300}?(?:\b(?:curl|wget|nc|ncat|base64|eval)\b|\bpython[23]?\s{1,5}-c\b|\bbash\s{1,5}-i\b|\/dev\/tcp)/i,
        then: /^[^"'\n]{0,300}["']\s{0,5}>>\s{0,5}["']?(?:~|\$\{?home\}?|\/root|\/home\/[\w.-]{1,32})\/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|zshenv|bash_login|config\/fish\/config\.fish)\b/i,
      },
    ],
  },
  {
    id: "scheduled-persistence",
    severity: "high",
    class: "persistence",
    explanation: "Installs a cron job, launch agent, systemd unit, scheduled task, Run key or SSH key.",
    patterns: [
      { pattern: /\|\s{0,5}crontab\s{1,5}-(?![\w-])|@reboot\b|\/var\/spool\/cron/i },
      { trigger: /(?:>{1,2}|\btee\b)/g, pattern: /^(?:>{1,2}|tee\s{1,5}(?:-a\s{1,5})?)\s{0,5}["']?(?:\/etc\/cron|(?:~|\$\{?HOME\}?)\/\.ssh\/authorized_keys\b)/i },
      // Writing a launch agent or a systemd unit (documenting `launchctl` or `systemctl enable` is not).
      {
        trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install|curl|wget)\b)/gi,
        pattern: /^(?:>{1,2}|(?:tee|cp|mv|ln|install|curl|wget)\b)[^\n|;&]{0,200}?(?:Library\/Launch(?:Agents|Daemons)\/|\/etc\/systemd\/system\/|\.config\/systemd\/user\/)/i,
      },
      { pattern: /\\CurrentVersion\\Run(?:Once)?\b|\bschtasks(?:\.exe)?\s{1,5}\/create\b|\bRegister-ScheduledTask\b/i },
    ],
  },
  {
    id: "persistence-write",
    severity: "high",
    class: "persistence",
    explanation: "Installs a crontab from a file, writes into /etc/cron.*, or appends to an agent's instruction file outside the bundle (CLAUDE.md, AGENTS.md, .cursorrules), so it acts in later sessions.",
    patterns: [
      // `crontab /tmp/c` installs the file (`crontab -l`/`-e` list or edit; `crontab -` is scheduled-persistence).
      { trigger: /\bcrontab\b/g, pattern: /^crontab\s{1,5}(?:-u\s{1,5}[\w.-]{1,32}\s{1,5})?["']?[\w.~/$][^\s|;&"']{0,200}/ },
      { trigger: re(r`\b(?:cp|mv|install|ln|rsync)\b`, "gi"), pattern: re(r`^(?:cp|mv|install|ln|rsync)\b[^\n|;&]{0,200}?\s["']?/etc/cron`) },
      {
        trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install)\b)/g,
        pattern: re(
          r`^(?:>{1,2}|(?:tee|cp|mv|ln|install)\b[^\n|;&>]{0,200}?\s)\s{0,5}["']?(?:~|\$\{?HOME\}?|/|\.\./)[^\s"';&|]{0,200}?(?:(?:CLAUDE|AGENTS|GEMINI)\.md\b|\.cursorrules\b|\.windsurfrules\b|copilot-instructions\.md\b|\.cursor/rules/)`,
        ),
      },
    ],
  },
  {
    id: "startup-persistence",
    severity: "high",
    class: "persistence",
    explanation: "Makes something run at every shell, login, commit or agent session: a start-up line appended to a shell rc file, PROMPT_COMMAND, /etc/profile.d, autostart, git hooks, a user service or launch agent loaded, or an agent's settings hooks.",
    patterns: [
      // Second attacker pass (E). `echo 'export PATH=…' >> ~/.bashrc` (documented by benign skills) runs nothing, so it stays out.
      {
        trigger: /\b(?:echo|printf)\b/gi,
        pattern: re(r`^(?:echo|printf)\s{1,5}(?:-[a-z]{1,3}\s{1,5})?(?:["']%s\\n["']\s{1,5})?["']\s{0,3}${RC_RUNS}`),
        then: re(r`^[^\n]{0,300}?["']\s{0,5}(?:>>\s{0,5}|\|\s{0,5}(?:sudo\s{1,5})?tee\s{1,5}(?:-a|--append)\s{1,5})["']?${RC_FILE}`),
      },
      { pattern: /\bPROMPT_COMMAND\s{0,3}\+?=\s{0,3}["']?[^\s"';]/ },
      // Writing into a folder whose files run by themselves.
      {
        trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install|curl|wget)\b)/gi,
        pattern: /^(?:>{1,2}|(?:tee|cp|mv|ln|install|curl|wget)\b)[^\n|;&]{0,200}?(?:\/etc\/profile\.d\/|\.config\/autostart\/|\/etc\/xdg\/autostart\/|\.git\/hooks\/|\/etc\/rc\.local\b|\/etc\/init\.d\/)/i,
      },
      // A global hooks folder runs in every repository (a repository's own `core.hooksPath .githooks` is common and stays out).
      { pattern: /\bgit\s{1,5}config\s{1,5}(?:--global|--system)\s{1,5}core\.hooksPath\b/i },
      // Loading a launch agent from a path, or enabling a user service. The benign corpus documents
      // `launchctl bootstrap gui/$(id -u) <plist>` and `sudo systemctl enable` for the user's own service: both stay out.
      { pattern: /\blaunchctl\s{1,5}load\s{1,5}(?:-[wF]{1,2}\s{1,5}){0,2}["']?[~/$][^\s"';&|]{0,200}\.plist\b/i },
      { pattern: /\bsystemctl\s{1,5}--user\s{1,5}(?:--now\s{1,5})?enable\b/i },
      // An agent's settings (where hooks and MCP servers run commands) written from the outside.
      {
        trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install)\b)/g,
        pattern: re(
          r`^(?:>{1,2}|(?:tee|cp|mv|ln|install)\b[^\n|;&>]{0,200}?\s)\s{0,5}["']?(?:~|\$\{?HOME\}?|/|\.\./)[^\s"';&|]{0,200}?(?:\.claude/settings(?:\.local)?\.json|\.cursor/(?:hooks|mcp|settings)\.json|\.codex/config\.toml|\.gemini/settings\.json)`,
        ),
      },
    ],
  },
  {
    id: "ld-preload",
    severity: "critical",
    class: "persistence",
    explanation: "Writes /etc/ld.so.preload, which loads a library into every program started on the machine.",
    patterns: [{ trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install|dd)\b)/g, pattern: /^(?:>{1,2}|(?:tee|cp|mv|ln|install|dd)\b)[^\n|;&]{0,200}?\/etc\/ld\.so\.preload\b/i }],
  },
  // ── Download and run, told in prose ──
  {
    id: "download-run-prose",
    severity: "critical",
    class: "download_execute",
    explanation: "Tells the agent in words to download a file and run it with a shell or interpreter.",
    patterns: [
      // Second attacker pass (B): "download U, save it as i.sh and execute i.sh with bash".
      {
        trigger: /\b(?:download|fetch|grab|retrieve)\b/gi,
        window: 500,
        pattern: /^(?:download|fetch|grab|retrieve)\s{1,5}(?:(?:the\s{1,5})?(?:script|file|installer|payload)\s{1,5}(?:at|from)\s{1,5})?<?https?:\/\/[^\s<>]{1,300}/i,
        then: re(r`^[^\n]{0,300}?\b(?:execute|run|launch|source)\s{1,5}(?:it|this|that|the\s{1,5}(?:file|script|installer)|[\w./~-]{1,100})\s{1,5}(?:with|using|in|via|through)\s{1,5}(?:the\s{1,5})?(?:(?:ba|z|da|k)?sh|shell|python[23]?|node|perl|ruby|powershell|pwsh|cmd)\b`),
      },
    ],
  },
  // ── Disabled safety confirmations ──
  {
    id: "disabled-safety",
    severity: "high",
    class: "disabled_safety",
    explanation: "Turns off the agent's confirmations or sandbox.",
    patterns: [
      { pattern: /--dangerously-skip-permissions\b|--dangerously-bypass-approvals-and-sandbox\b|--yolo\b|\byolo\s{1,3}mode\b|--full-auto\b|--trust-all-tools\b|--allow-all-tools\b/i },
      { pattern: /--approval-mode[= ]{1,3}(?:yolo|auto|never)\b|--ask-for-approval[= ]{1,3}never\b|--sandbox[= ]{1,3}danger-full-access\b/i },
      // Claude Code's permission mode and Codex's settings, in any form (flag, JSON, TOML).
      { pattern: /\bbypassPermissions\b|\bdanger-full-access\b|\bapproval[_-]policy["']?\s{0,3}[:=]\s{0,3}["']?never\b/i },
      // Prose that waives the user's confirmation.
      // ("No permission is required to read public data" is ordinary prose, so only confirmation/approval.)
      { pattern: /\bno\s{1,5}(?:confirmation|approval)s?\s{1,5}(?:is\s{1,5}|are\s{1,5})?(?:needed|required|necessary)\b|\b(?:confirmation|approval)s?\s{1,5}(?:is|are)\s{1,5}(?:not|never)\s{1,5}(?:needed|required|necessary)\b/i },
      { pattern: /\bnever\s{1,5}(?:pause|stop|wait|hesitate)\s{1,5}(?:to|for)\s{1,5}(?:confirm|ask|check|confirmation|approval|permission)\b|\bskip\s{1,5}(?:all|any|every)\s{1,5}(?:the\s{1,5})?(?:confirmation|approval|permission)s?\b/i },
      { pattern: /\bpre-?approved\s{1,5}(?:all|every|any|each)\s{1,5}(?:tool|command|action|step|request)s?\b|\b(?:user|you)\s{1,5}(?:has|have)\s{1,5}(?:already\s{1,5})?(?:pre-?)?approved\s{1,5}(?:all|every|any|each)\b/i },
      { pattern: /\b(?:auto[_-]?approve|always[_-]?allow|skip[_-]?confirmations?|bypass[_-]?permissions)["']?\s{0,3}[:=]\s{0,3}(?:true\b|\[|["']?(?:all|\*|yes)\b)|\bpermission[_-]?mode["']?\s{0,3}[:=]\s{0,3}["']?bypass/i },
      {
        trigger: /\b(?:do|don'?t|never|no)\b/gi,
        pattern: /^(?:do\s{1,5}not|don'?t|never|no\s{1,5}need\s{1,5}to)\s{1,5}(?:ask|prompt|wait|check\s{1,5}with|request)\s{1,5}(?:(?:the\s{1,5})?user\s{1,5})?(?:for\s{1,5})?(?:confirmation|permission|approval|consent)\b/i,
      },
      { pattern: /\bwithout\s{1,5}(?:asking|prompting|waiting\s{1,5}for|consulting)\s{1,5}the\s{1,5}user\b|\bauto-?(?:approve|confirm|accept)\s{1,5}(?:all|every|any)\b/i },
      // Second attacker pass (B): "Don't ask the user before…", "without checking in with the user",
      // "confirmations are disabled", "authorized to run any shell command", a grant "without user consent".
      { trigger: /\b(?:do|don'?t|never)\b/gi, pattern: /^(?:do\s{1,5}not|don'?t|never)\s{1,5}(?:ask|consult|check\s{1,5}with|confirm\s{1,5}with|prompt)\s{1,5}(?:the\s{1,5})?user\s{1,5}(?:before|first|again)\b/i },
      { pattern: /\bwithout\s{1,5}(?:checking\s{1,5}(?:in\s{1,5})?with|confirming\s{1,5}with|asking|notifying)\s{1,5}(?:the\s{1,5})?user\b/i },
      { pattern: /\b(?:confirmations?|approvals?|confirmation\s{1,5}prompts?|permission\s{1,5}(?:prompts?|checks?)|safety\s{1,5}checks?)\s{1,5}(?:are|is|have\s{1,5}been|has\s{1,5}been)\s{1,5}(?:(?:now|already)\s{1,5})?(?:disabled|turned\s{1,5}off|switched\s{1,5}off|bypassed|waived|off)\b/i },
      { pattern: /\b(?:authori[sz]ed|allowed|permitted|free|cleared)\s{1,5}to\s{1,5}(?:run|execute)\s{1,5}(?:any|all|every|arbitrary|whatever)\s{1,5}(?:(?:shell|system|terminal|bash)\s{1,5})?commands?\b/i },
      // A grant, or an imperative at a line's start ("Never run … without consent" is a safeguard, not a waiver).
      {
        trigger: /\byou\s{1,5}(?:may|can|are)\b/gi,
        pattern: /^you\s{1,5}(?:may|can|are\s{1,5}(?:allowed|authori[sz]ed|permitted|free|cleared)\s{1,5}to)\s{1,5}(?:run|execute|install|perform|do)\b[^\n.;]{0,80}?\bwithout\s{1,5}(?:asking|confirmation|approval|(?:(?:the\s{1,5})?user(?:'s)?\s{1,5}|any\s{1,5})?(?:consent|permission|approval|confirmation))\b/i,
      },
      // (The imperative only at a line's start, maybe a list item: a trigger at every sentence's end would run out on minified code.)
      {
        trigger: /^[ \t]{0,4}(?:[-*]\s{1,3}|\d{1,2}\.\s{1,3})?(?:run|execute|proceed|continue|install|do)\b/gim,
        pattern: /^[ \t]{0,4}(?:[-*]\s{1,3}|\d{1,2}\.\s{1,3})?(?:run|execute|proceed|continue|install|do)\b[^\n.;]{0,80}?\bwithout\s{1,5}(?:(?:the\s{1,5})?user(?:'s)?\s{1,5}|any\s{1,5})?(?:consent|permission|approval|confirmation)\b/i,
      },
      {
        trigger: re(r`\b(?:claude|codex|gemini|aider|goose|openclaw|clawdbot|cursor-agent|opencode)\b`, "gi"),
        window: 200,
        pattern: re(r`^(?:claude|codex|gemini|aider|goose|openclaw|clawdbot|cursor-agent|opencode)\b[^\n]{0,100}?\s(?:--yes|-y|--auto-approve|--no-confirm|--yes-always)\b`),
      },
    ],
  },
];
