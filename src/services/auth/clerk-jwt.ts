import { createRemoteJWKSet, decodeProtectedHeader, errors, importSPKI, jwtVerify, type JWTPayload } from "jose";
import { NAME_MAX } from "../../domain/names";
import { cleanText, codePoints, forbiddenCharacter, hasVisibleCharacter } from "../../domain/text";
import { ApiError } from "../../lib/errors";
import { isolateCaches } from "../../lib/isolate-caches";

export interface ClerkConfig {
  jwksUrl?: string;
  /** Least time between two JWKS downloads, also when a token names an unknown key. */
  jwksCooldownMs: number;
  publicKeyPem?: string;
  issuer?: string;
  authorizedParties: string[];
  /**
   * Accept Clerk v2 tokens with `sts: "pending"` (a session with unfinished tasks, such as choosing
   * an organization). Off by default, as in Clerk's SDKs (`treatPendingAsSignedOut`).
   */
  allowPendingSessions: boolean;
}

export interface SessionClaims {
  sub: string;
  email: string | null;
  name: string | null;
}

const CLOCK_SKEW_SECONDS = 5;

// Isolate scope on purpose: these hold only public key material (no request I/O objects), and
// jose's remote set refetches on an unknown `kid` with a cooldown, so a key rotation is picked up
// without hammering Clerk.
const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const importedPems = new Map<string, Promise<CryptoKey>>();
isolateCaches.register("clerk key sets", () => {
  remoteKeySets.clear();
  importedPems.clear();
});

function keyFor(config: ClerkConfig) {
  if (config.publicKeyPem) {
    // Vars cannot hold newlines on every path (wrangler --var), so `\n` sequences are accepted.
    const pem = config.publicKeyPem.replace(/\\n/g, "\n");
    let key = importedPems.get(pem);
    if (!key) {
      key = importSPKI(pem, "RS256");
      importedPems.set(pem, key);
    }
    return key;
  }
  if (config.jwksUrl) {
    const cacheKey = `${config.jwksUrl} ${config.jwksCooldownMs}`;
    let set = remoteKeySets.get(cacheKey);
    if (!set) {
      set = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: config.jwksCooldownMs, cacheMaxAge: 600_000 });
      remoteKeySets.set(cacheKey, set);
    }
    return set;
  }
  return null;
}

const fail = (code: string, detail: string) => new ApiError(401, code, detail);

// A lone surrogate (no `u` flag: code units are matched one by one). UTF-8 cannot carry it, so the
// driver would store U+FFFD instead, and two different subjects could become the same user.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
const MAX_CLAIM_DEPTH = 16;
/**
 * Longest `sub` and e-mail taken, in code points: each is a unique or indexed column of `users`, and
 * PostgreSQL refuses an index entry of more than about 2.7 KB (a 4,000-character `sub` answered
 * 500). Clerk's user ids are about 32 characters; 320 is the longest address RFC 3696 allows.
 */
const MAX_SUB = 255;
const MAX_EMAIL = 320;

/**
 * Whether any string of a verified payload, key or value at any depth, holds a NUL (PostgreSQL text
 * cannot store it) or a lone surrogate (issue 26 item 12). Every claim is checked, not only those
 * read today (sub, email, name), so org or metadata claims read later cannot reintroduce the 500.
 */
function holdsBrokenText(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return NUL.test(value) || LONE_SURROGATE.test(value);
  if (value === null || typeof value !== "object") return false;
  if (depth > MAX_CLAIM_DEPTH) return true;
  if (Array.isArray(value)) return value.some((item) => holdsBrokenText(item, depth + 1));
  return Object.entries(value).some(([key, item]) => holdsBrokenText(key) || holdsBrokenText(item, depth + 1));
}

function firstString(...values: unknown[]): string | null {
  for (const value of values) if (typeof value === "string" && value.length > 0) return value;
  return null;
}

/** An identifier people never read but that keys a row: any invisible, control or bidi character (src/domain/text.ts), or more than `max` code points, refuses the token. */
const acceptableKey = (value: string | null, max: number) => value === null || (!forbiddenCharacter(value) && codePoints(value) <= max);

/**
 * The display name as stored: invisible, control, bidi and line-separator characters become spaces
 * (src/domain/text.ts `cleanText`, as for other names shown to people), cut to NAME_MAX code points;
 * null when nothing visible is left. A name is shown, never compared, so it is cleaned, not refused.
 */
function displayName(value: string | null): string | null {
  if (value === null) return null;
  const cleaned = [...cleanText(value)].slice(0, NAME_MAX).join("").trimEnd();
  return hasVisibleCharacter(cleaned) ? cleaned : null;
}

/**
 * Verifies a Clerk session token: RS256 only, exp/nbf with a few seconds of skew, the issuer and
 * `azp` when configured, and no pending session (`sts: "pending"`, 401 `session_pending`) unless
 * `allowPendingSessions`. A claim holding a NUL or an unpaired surrogate anywhere, or a `sub` or
 * e-mail with an invisible, control or bidi character or over 255 / 320 code points, is 401
 * `token_claims_invalid`; the name is cleaned of such characters and cut to 200 (issue 26 item 12). Failures say which check
 * failed, never how verification works inside.
 */
export async function verifySessionToken(token: string, config: ClerkConfig): Promise<SessionClaims> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw fail("token_malformed", "The bearer token is not a well-formed JWT.");
  }
  if (alg !== "RS256") throw fail("token_algorithm_not_allowed", "The token's signing algorithm is not accepted.");
  const key = await keyFor(config);
  if (!key) throw fail("token_not_accepted", "Session tokens are not accepted by this deployment.");

  let payload: JWTPayload;
  try {
    const verified = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
      algorithms: ["RS256"],
      clockTolerance: CLOCK_SKEW_SECONDS,
      ...(config.issuer ? { issuer: config.issuer } : {}),
      requiredClaims: ["sub", "exp"],
    });
    payload = verified.payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw fail("token_expired", "The session token has expired.");
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === "iss") throw fail("token_issuer_invalid", "The session token was issued by an unexpected issuer.");
      if (error.claim === "nbf") throw fail("token_not_yet_valid", "The session token is not valid yet.");
      throw fail("token_claims_invalid", "The session token's claims are invalid.");
    }
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
      throw fail("token_signature_invalid", "The session token's signature is not valid.");
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      throw fail("token_algorithm_not_allowed", "The token's signing algorithm is not accepted.");
    }
    if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
      throw new ApiError(503, "identity_provider_unavailable", "Session tokens cannot be verified right now.");
    }
    throw fail("token_malformed", "The bearer token is not a well-formed JWT.");
  }

  if (config.authorizedParties.length > 0) {
    const azp = payload.azp;
    if (typeof azp !== "string" || !config.authorizedParties.includes(azp)) {
      throw fail("token_party_invalid", "The session token was issued for another application.");
    }
  }
  if (typeof payload.sub !== "string" || payload.sub.length === 0) throw fail("token_claims_invalid", "The session token has no subject.");
  const claims = payload as Record<string, unknown>;
  if (holdsBrokenText(claims)) {
    throw fail("token_claims_invalid", "The session token's claims hold characters that are not text (a NUL or an unpaired surrogate).");
  }
  // Clerk puts no e-mail or name in session tokens by default; a session-token template can add them.
  const email = firstString(claims.email, claims.primary_email, claims.email_address);
  if (!acceptableKey(payload.sub, MAX_SUB) || !acceptableKey(email, MAX_EMAIL)) {
    throw fail("token_claims_invalid", `The session token's subject or e-mail holds invisible, control or bidirectional characters, or is too long (at most ${MAX_SUB} and ${MAX_EMAIL} characters).`);
  }
  // Clerk's SDKs treat a pending session as signed out unless told otherwise; so do we.
  if (payload.sts === "pending" && !config.allowPendingSessions) {
    throw fail("session_pending", "The session has pending tasks (for example choosing an organization); finish them and sign in again.");
  }
  return {
    sub: payload.sub,
    email,
    name: displayName(firstString(claims.name, claims.full_name)),
  };
}

export function clerkConfigFrom(env: {
  CLERK_JWKS_URL?: string;
  CLERK_JWKS_COOLDOWN_SECONDS?: string;
  CLERK_JWT_PUBLIC_KEY?: string;
  CLERK_ISSUER?: string;
  CLERK_AUTHORIZED_PARTIES?: string;
  CLERK_ALLOW_PENDING_SESSIONS?: string;
}): ClerkConfig {
  const cooldown = Number(env.CLERK_JWKS_COOLDOWN_SECONDS);
  return {
    jwksUrl: env.CLERK_JWKS_URL || undefined,
    jwksCooldownMs: 1000 * (env.CLERK_JWKS_COOLDOWN_SECONDS && Number.isFinite(cooldown) && cooldown >= 0 ? cooldown : 30),
    publicKeyPem: env.CLERK_JWT_PUBLIC_KEY || undefined,
    issuer: env.CLERK_ISSUER || undefined,
    authorizedParties: (env.CLERK_AUTHORIZED_PARTIES ?? "").split(",").map((p) => p.trim()).filter(Boolean),
    allowPendingSessions: env.CLERK_ALLOW_PENDING_SESSIONS === "true",
  };
}
