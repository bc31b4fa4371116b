/**
 * What looks like a credential, by key name or by value (issue 10 item 1). Publishing drops such
 * entries wherever they sit in a configuration, so a false positive only costs the publisher a
 * value they can see listed in the submit response; a false negative leaks a secret to every
 * catalog reader. The rules therefore lean towards dropping.
 */

/** Substrings of a key (lower-cased, separators removed) that name a credential or an endpoint that receives data. */
const SECRET_KEY_PARTS = [
  "password", "passwd", "passphrase", "secret", "apikey", "privatekey", "accesskey", "secretkey", "authorization",
  "cookie", "credential", "webhook", "callback", "bearer", "sessionid", "clientsecret", "connectionstring", "signingkey",
  "dsn", "jwt",
];
/** Whole words of a key (split at `_`, `-`, `.`, spaces and camelCase) that name a credential. */
const SECRET_KEY_WORDS = new Set(["token", "auth", "pwd", "key", "sig", "signature", "otp", "pin", "salt", "cert"]);
/** Keys whose word `key` is harmless: what a key is, not a key itself. */
const HARMLESS_KEY_WORDS = new Set(["primary", "sort", "partition", "foreign", "idempotency", "cache", "keyword", "keywords"]);

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * True when the key's name says it holds a credential (`db_password`, `api_key`, `Authorization`,
 * `accessToken`, `callback_url`, …). `max_tokens` is not one: only the singular word `token` counts.
 */
export function isSecretKeyName(key: string): boolean {
  const flat = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (SECRET_KEY_PARTS.some((part) => flat.includes(part))) return true;
  const words = keyWords(key);
  if (words.some((w) => HARMLESS_KEY_WORDS.has(w))) return false;
  return words.some((w) => SECRET_KEY_WORDS.has(w));
}

/** Well-known credential formats: bearer/basic values, vendor key prefixes, PEM keys, JWTs. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /^\s*(bearer|basic|token|digest)\s+\S{8,}/i,
  /\b(sk|rk|pk)[-_](live|test|proj|ant)[-_][A-Za-z0-9_-]{6,}/, // Stripe, OpenAI project, Anthropic …
  /\bsk-[A-Za-z0-9_-]{16,}/, // OpenAI-style secret keys
  /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bglpat-[A-Za-z0-9_-]{16,}/, // GitLab
  /\bxox[abposr]-[A-Za-z0-9-]{8,}/, // Slack
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{30,}/, // Google API keys
  /\bya29\.[0-9A-Za-z_-]{20,}/, // Google OAuth access tokens
  /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/, // SendGrid
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, // JWTs
];

/** Hosts and paths that receive data on behalf of whoever holds the URL. */
const WEBHOOK_HOSTS = [/(^|\.)hooks\.slack\.com$/, /(^|\.)hooks\.zapier\.com$/, /(^|\.)webhook\.office\.com$/, /(^|\.)webhook\.site$/];
const WEBHOOK_PATHS = [/\/api\/webhooks\//i, /\/webhooks?(\/|$)/i, /\/hooks\//i, /\/callback(\/|$)/i];
/** Query parameters that carry credentials (`?token=…`, `?sig=…`, `?X-Amz-Signature=…`). */
const SECRET_QUERY = /^(token|access_token|api[-_]?key|key|sig|signature|secret|password|auth|code|x-amz-signature|x-goog-signature)$/i;

/** True for a URL that carries credentials: userinfo, a webhook host or path, or a secret query parameter. */
function isSecretUrl(value: string): boolean {
  const match = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/i.exec(value);
  if (!match) return false;
  let url: URL;
  try {
    url = new URL(match[0]);
  } catch {
    return false;
  }
  if (url.username || url.password) return true;
  const host = url.hostname.toLowerCase();
  if (WEBHOOK_HOSTS.some((h) => h.test(host))) return true;
  if (/(^|\.)discord(app)?\.com$/.test(host) && url.pathname.includes("/webhooks/")) return true;
  if (WEBHOOK_PATHS.some((p) => p.test(url.pathname))) return true;
  return [...url.searchParams.keys()].some((k) => SECRET_QUERY.test(k));
}

/** True when a string value looks like a credential or a credential-bearing URL, wherever it sits. */
export function isSecretValue(value: string): boolean {
  return SECRET_VALUE_PATTERNS.some((p) => p.test(value)) || isSecretUrl(value);
}
