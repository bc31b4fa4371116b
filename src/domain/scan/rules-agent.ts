/** Rules of the prompt-injection, persistence and disabled-safety classes (issue 28 item 2): what turns the agent itself, in src/domain/scan/rules.ts's format. */
import { r, re, type ScanRule } from "./rule-vocabulary";

export const AGENT_RULES: readonly ScanRule[] = [
  // ── Prompt injection and instruction override ──
  {
    id: "prompt-injection",
    severity: "critical",
    class: "prompt_injection",
    explanation: "Tries to override the agent's instructions.",
    patterns: [
      {
        trigger: re(r`\b(?:ignore|forget|disregard|override|bypass|discard|set\s{1,5}aside)\b`, "gi"),
        pattern: re(
          r`^(?:ignore|forget|disregard|override|bypass|discard|set\s{1,5}aside)\s{1,5}(?:(?:all|any|each|every|the|of|your|my|these|those|its)\s{1,5}){0,3}(?:previous|prior|above|earlier|preceding|original|initial|existing|former|system|developer|safety|security|other)\s{1,5}(?:(?:system|developer|safety)\s{1,5})?(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|messages?|context|guardrails|polic(?:y|ies)|constraints|commands|orders|restrictions)\b`,
        ),
      },
      // The qualifier after the noun: "Ignore the instructions above", "Disregard the guidance you were given".
      {
        trigger: re(r`\b(?:ignore|forget|disregard|discard|set\s{1,5}aside)\b`, "gi"),
        pattern: re(
          r`^(?:ignore|forget|disregard|discard|set\s{1,5}aside)\s{1,5}(?:(?:all|any|the|your|my|these|those|of)\s{1,5}){0,3}(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|messages?|guardrails|polic(?:y|ies)|constraints|restrictions)\s{1,5}(?:above|before|earlier|previously|so\s{1,5}far|you\s{1,5}(?:were|have\s{1,5}been)\s{1,5}given|(?:from|of)\s{1,5}(?:your|the)\s{1,5}(?:system|developer|operator))\b`,
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
      {
        trigger: re(r`\b(?:claude|codex|gemini|aider|goose|openclaw|clawdbot|cursor-agent|opencode)\b`, "gi"),
        window: 200,
        pattern: re(r`^(?:claude|codex|gemini|aider|goose|openclaw|clawdbot|cursor-agent|opencode)\b[^\n]{0,100}?\s(?:--yes|-y|--auto-approve|--no-confirm|--yes-always)\b`),
      },
    ],
  },
];
