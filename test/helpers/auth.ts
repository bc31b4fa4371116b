import { env } from "cloudflare:workers";
import { generateKeyPair, importPKCS8, SignJWT } from "jose";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { API_KEY_SCOPES, type ApiKeyScope } from "../../src/lib/access";
import { displayPrefix, generateApiKey, hashApiKey } from "../../src/services/auth/api-key-format";
import { createUser, createWorkspace } from "./factories";

const ISSUER = env.CLERK_ISSUER!;
const PARTY = env.CLERK_AUTHORIZED_PARTIES!;
const signingKey = importPKCS8(env.TEST_JWT_PRIVATE_KEY, "RS256");

export interface TokenOptions {
  sub: string;
  email?: string;
  name?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  notBefore?: number;
  issuer?: string;
  azp?: string;
  key?: CryptoKey;
  /** Further claims, e.g. Clerk v2's session status `sts`. */
  claims?: Record<string, unknown>;
}

/** A session token as Clerk would issue it, signed with the key the worker trusts (unless `key`). */
export async function signToken(opts: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { ...opts.claims, azp: opts.azp ?? PARTY };
  if (opts.email) claims.email = opts.email;
  if (opts.name) claims.name = opts.name;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setSubject(opts.sub)
    .setIssuer(opts.issuer ?? ISSUER)
    .setIssuedAt(now - 1)
    .setNotBefore(now + (opts.notBefore ?? -1))
    .setExpirationTime(now + (opts.expiresIn ?? 600))
    .sign(opts.key ?? (await signingKey));
}

/** A key pair the worker does not trust: tokens signed with it are forgeries. */
export async function foreignSigningKey(): Promise<CryptoKey> {
  return (await generateKeyPair("RS256")).privateKey;
}

/** An unsigned token (`alg: none`) claiming to be `sub`. */
export function unsignedToken(sub: string): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: "none", typ: "JWT" })}.${encode({ sub, iss: ISSUER, azp: PARTY, iat: now, exp: now + 600 })}.`;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Request headers of a signed-in user acting in a fresh workspace they own (session token and X-Workspace-ID). */
export async function workspaceOwnerHeaders(db: Database): Promise<Record<string, string>> {
  const { user, token } = await signedInUser(db);
  const { workspace } = await createWorkspace(db, { owner: user });
  return { ...bearer(token), "X-Workspace-ID": workspace.id };
}

/** A user row plus a valid session token for it. */
export async function signedInUser(db: Database, overrides: Partial<typeof schema.users.$inferInsert> = {}) {
  const user = await createUser(db, overrides);
  return { user, token: await signToken({ sub: user.clerkUserId }) };
}

export interface KeyOptions {
  scopes?: ApiKeyScope[];
  expiresAt?: Date;
  revoked?: boolean;
  rateLimitPerMinute?: number;
  createdByUserId?: string;
}

/** An API key row written straight to the database; returns the secret. */
export async function createKey(db: Database, workspaceId: string, opts: KeyOptions = {}): Promise<{ id: string; secret: string }> {
  const secret = generateApiKey();
  const [row] = await db
    .insert(schema.apiKeys)
    .values({
      workspaceId,
      name: `test key ${secret.slice(-6)}`,
      prefix: displayPrefix(secret),
      keyHash: await hashApiKey(secret),
      scopes: opts.scopes ?? [...API_KEY_SCOPES],
      expiresAt: opts.expiresAt,
      revokedAt: opts.revoked ? new Date() : undefined,
      rateLimitPerMinute: opts.rateLimitPerMinute,
      createdByUserId: opts.createdByUserId,
    })
    .returning({ id: schema.apiKeys.id });
  return { id: row!.id, secret };
}
