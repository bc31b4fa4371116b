// Local stand-ins for Clerk and for a workspace owner handing out API keys: a dev RS256 key pair
// the worker is told to trust, session tokens signed with it, and the rows those tokens and keys
// refer to (design.md §11, §12, §18).
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { and, eq, isNull, like, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { SignJWT, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, importPKCS8 } from "jose";
import pg from "pg";
import * as schema from "../../src/db/schema";
import { API_KEY_SCOPES } from "../../src/lib/access";
import { displayPrefix, generateApiKey, hashApiKey } from "../../src/services/auth/api-key-format";
import { DATA_DIR } from "./paths";

export const DEV_ISSUER = "https://clerk.marketplace.localhost";
export const DEV_AUTHORIZED_PARTY = "http://localhost:3000";
export const DEV_KEY_ID = "dev-key-1";
export const DEV_KEYS_DIR = join(DATA_DIR, "dev-keys");
const PRIVATE_FILE = "jwt-private.pem";
const PUBLIC_FILE = "jwt-public.pem";
const ALG = "RS256";
/** design.md §14: dev, test and benchmark keys get raised limits so local load never sees a 429. */
const DEV_KEY_RATE_LIMIT = 100_000;

export type DevDb = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<DevDb["transaction"]>[0]>[0];
export type WorkspaceRole = (typeof schema.WORKSPACE_ROLES)[number];
export type UserRow = typeof schema.users.$inferSelect;
export type WorkspaceRow = typeof schema.workspaces.$inferSelect;

export interface DevKeyPair {
  privateKey: CryptoKey;
  publicKeyPem: string;
}

// ---------------------------------------------------------------------------------------------
// Key pair
// ---------------------------------------------------------------------------------------------

/**
 * The dev signing key, created on first use and reused afterwards so tokens minted by one command
 * stay valid for a worker started by another. The private file is the single source of truth: the
 * public key is always derived from it, so two processes racing on first use can never leave a
 * mismatched pair behind.
 */
export async function ensureDevKeyPair(dir: string = DEV_KEYS_DIR): Promise<DevKeyPair> {
  const privatePath = join(dir, PRIVATE_FILE);
  if (!existsSync(privatePath)) await createPrivateKeyFile(dir, privatePath);
  const privatePem = readFileSync(privatePath, "utf8");
  const privateKey = await importPKCS8(privatePem, ALG, { extractable: true });
  const publicKeyPem = await publicPemOf(privateKey);
  writePublicFileIfStale(join(dir, PUBLIC_FILE), publicKeyPem);
  return { privateKey, publicKeyPem };
}

async function createPrivateKeyFile(dir: string, privatePath: string): Promise<void> {
  // The parent (.data) gets the default mode: a recursive mkdir would give it 0700 as well, and the
  // local PostgreSQL server, which runs as the postgres user, must reach .data/postgres through it.
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
  const partial = `${privatePath}.${process.pid}.${crypto.randomUUID()}.partial`;
  writeFileSync(partial, await exportPKCS8(privateKey), { mode: 0o600 });
  chmodSync(partial, 0o600); // the umask can only narrow `mode`, but be explicit for an existing file
  try {
    // link() refuses an existing target, so the first writer wins and later ones adopt its key.
    linkSync(partial, privatePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(partial, { force: true });
  }
}

async function publicPemOf(privateKey: CryptoKey): Promise<string> {
  // WebCrypto cannot export a public key from a private one; the JWK's public members can.
  const { kty, n, e } = await exportJWK(privateKey);
  const publicKey = await importJWK({ kty, n, e }, ALG, { extractable: true });
  return exportSPKI(publicKey as CryptoKey);
}

function writePublicFileIfStale(publicPath: string, publicKeyPem: string): void {
  // Kept for people and other tools (e.g. pasting into a JWT debugger); nothing here reads it back.
  const current = existsSync(publicPath) ? readFileSync(publicPath, "utf8") : null;
  if (current?.trim() !== publicKeyPem.trim()) writeFileSync(publicPath, `${publicKeyPem.trim()}\n`);
}

/**
 * The worker vars that make it trust the dev key. `wrangler dev --var NAME:VALUE` cannot carry
 * newlines, so the PEM travels with literal `\n` pairs that the worker turns back into newlines.
 */
export function devWorkerVars(publicKeyPem: string): Record<string, string> {
  return {
    CLERK_JWT_PUBLIC_KEY: publicKeyPem.trim().replace(/\r?\n/g, "\\n"),
    CLERK_ISSUER: DEV_ISSUER,
    CLERK_AUTHORIZED_PARTIES: DEV_AUTHORIZED_PARTY,
  };
}

/** A session token shaped like Clerk's (RS256, kid, iss, azp, sub, optional email and name). */
export async function signDevToken(
  opts: { sub: string; email?: string; name?: string; ttlSeconds?: number },
  keysDir: string = DEV_KEYS_DIR,
): Promise<string> {
  const ttl = opts.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error(`ttlSeconds must be a positive integer, got ${ttl}`);
  const { privateKey } = await ensureDevKeyPair(keysDir);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, string> = { azp: DEV_AUTHORIZED_PARTY };
  if (opts.email) claims.email = opts.email;
  if (opts.name) claims.name = opts.name;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: DEV_KEY_ID, typ: "JWT" })
    .setSubject(opts.sub)
    .setIssuer(DEV_ISSUER)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttl)
    .sign(privateKey);
}

// ---------------------------------------------------------------------------------------------
// Database rows
// ---------------------------------------------------------------------------------------------

/** A drizzle handle on its own short-lived connection, closed however `work` ends. */
export async function withDrizzle<T>(databaseUrl: string, work: (db: DevDb) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(drizzle({ client, schema }));
  } finally {
    await client.end();
  }
}

export interface MembershipOptions {
  clerkUserId: string;
  email?: string;
  name?: string;
  /** A workspace UUID (must exist) or a name (found case-insensitively, else created). */
  workspace?: string;
  role?: WorkspaceRole;
  admin?: boolean;
}

export interface MembershipResult {
  user: UserRow;
  workspace?: WorkspaceRow;
  role?: WorkspaceRole;
  workspaceCreated?: boolean;
}

export async function ensureUserWorkspaceMembership(db: DevDb, opts: MembershipOptions): Promise<MembershipResult> {
  if (opts.role && !opts.workspace) throw new Error("a role needs a workspace");
  return db.transaction(async (tx) => {
    const user = await upsertUser(tx, opts);
    if (!opts.workspace) return { user };
    const { workspace, created } = await resolveWorkspace(tx, opts.workspace, user.id);
    const role = await upsertMembership(tx, workspace.id, user.id, opts.role ?? (created ? "owner" : undefined));
    return { user, workspace, role, workspaceCreated: created };
  });
}

async function upsertUser(tx: Tx, opts: MembershipOptions): Promise<UserRow> {
  const [inserted] = await tx
    .insert(schema.users)
    .values({ clerkUserId: opts.clerkUserId, email: opts.email, name: opts.name, systemRole: opts.admin ? "admin" : "user" })
    .onConflictDoNothing({ target: schema.users.clerkUserId })
    .returning();
  if (inserted) return inserted;
  const [existing] = await tx.select().from(schema.users).where(eq(schema.users.clerkUserId, opts.clerkUserId)).for("update");
  const changes: Partial<UserRow> = {};
  if (opts.email !== undefined && opts.email !== existing!.email) changes.email = opts.email;
  if (opts.name !== undefined && opts.name !== existing!.name) changes.name = opts.name;
  // Only ever raise: a super_admin asking for --admin must not lose the higher role.
  if (opts.admin && existing!.systemRole === "user") changes.systemRole = "admin";
  if (Object.keys(changes).length === 0) return existing!;
  const [updated] = await tx
    .update(schema.users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(schema.users.id, existing!.id))
    .returning();
  return updated!;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function resolveWorkspace(tx: Tx, ref: string, userId: string): Promise<{ workspace: WorkspaceRow; created: boolean }> {
  if (UUID.test(ref)) {
    const [byId] = await tx.select().from(schema.workspaces).where(eq(schema.workspaces.id, ref));
    if (!byId) throw new Error(`no workspace has the id ${ref}`);
    return { workspace: byId, created: false };
  }
  const name = ref.trim();
  if (name.length < 1 || name.length > 200) throw new Error("a workspace name must be 1 to 200 characters");
  const [byName] = await tx
    .select()
    .from(schema.workspaces)
    .where(sql`lower(${schema.workspaces.name}) = lower(${name})`)
    .orderBy(schema.workspaces.createdAt)
    .limit(1);
  if (byName) return { workspace: byName, created: false };
  return { workspace: await createWorkspace(tx, name, userId), created: true };
}

async function createWorkspace(tx: Tx, name: string, userId: string): Promise<WorkspaceRow> {
  const base = slugify(name);
  // ON CONFLICT DO NOTHING keeps the transaction usable when a slug is taken, even by a concurrent run.
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : withRandomSuffix(base);
    const [row] = await tx
      .insert(schema.workspaces)
      .values({ name, slug, createdByUserId: userId })
      .onConflictDoNothing({ target: schema.workspaces.slug })
      .returning();
    if (row) return row;
  }
  throw new Error(`could not find a free slug for workspace "${name}"`);
}

const SLUG_MAX = 63;

/** Matches the workspaces_slug_check constraint: ^[a-z0-9][a-z0-9-]{0,62}$. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // "Café" → "cafe" rather than "caf-"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, SLUG_MAX)
    .replace(/^-+|-+$/g, "");
  return slug || "workspace";
}

function withRandomSuffix(base: string): string {
  const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, "0");
  const head = base.slice(0, SLUG_MAX - suffix.length - 1).replace(/-+$/, "");
  return `${head}-${suffix}`;
}

async function upsertMembership(tx: Tx, workspaceId: string, userId: string, role: WorkspaceRole | undefined): Promise<WorkspaceRole> {
  const member = { workspaceId, userId };
  const target = [schema.workspaceMembers.workspaceId, schema.workspaceMembers.userId];
  if (role) {
    await tx
      .insert(schema.workspaceMembers)
      .values({ ...member, role })
      .onConflictDoUpdate({ target, set: { role, updatedAt: sql`now()` } });
    return role;
  }
  // No role asked for: an existing member keeps theirs, a newcomer to an existing workspace edits.
  await tx.insert(schema.workspaceMembers).values({ ...member, role: "editor" }).onConflictDoNothing({ target });
  const [row] = await tx
    .select({ role: schema.workspaceMembers.role })
    .from(schema.workspaceMembers)
    .where(and(eq(schema.workspaceMembers.workspaceId, workspaceId), eq(schema.workspaceMembers.userId, userId)));
  return row!.role as WorkspaceRole;
}

/**
 * A fresh all-scopes key for the workspace, replacing the previous dev key (design.md §18) so
 * exactly one `dev-…` key is live at a time. Returns the plaintext, which is stored nowhere.
 */
export async function mintDevApiKey(db: DevDb, workspaceId: string, createdByUserId: string | null): Promise<string> {
  const key = generateApiKey();
  const keyHash = await hashApiKey(key);
  const keys = schema.apiKeys;
  await db.transaction(async (tx) => {
    await tx
      .update(keys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(keys.workspaceId, workspaceId), isNull(keys.revokedAt), like(keys.name, "dev-%")));
    await tx.insert(keys).values({
      workspaceId,
      name: `dev-${new Date().toISOString()}`,
      prefix: displayPrefix(key),
      keyHash,
      scopes: [...API_KEY_SCOPES],
      rateLimitPerMinute: DEV_KEY_RATE_LIMIT,
      createdByUserId,
    });
  });
  return key;
}

/** The dev key for the workspace with this slug, created by this Clerk user if they exist; null when the workspace is missing. */
export async function mintDevApiKeyForSlug(
  db: DevDb,
  slug: string,
  creatorClerkUserId: string,
): Promise<{ key: string; workspace: WorkspaceRow } | null> {
  const [workspace] = await db.select().from(schema.workspaces).where(eq(schema.workspaces.slug, slug));
  if (!workspace) return null;
  const [creator] = await db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.clerkUserId, creatorClerkUserId));
  return { key: await mintDevApiKey(db, workspace.id, creator?.id ?? null), workspace };
}
