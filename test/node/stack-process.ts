import { spawn, type ChildProcess } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { SignJWT, exportSPKI, generateKeyPair } from "jose";
import type { Cleanup } from "../../scripts/bench/cleanup";
import { PROJECT_ROOT } from "../../scripts/stack/paths";
import type { StackBindings } from "../../scripts/stack/stack";
import { serverDatabase } from "./scratch-database";

// What the Node-project tests that run their own stack and worker share (round trips, faults, the
// CLI and browser tests): a database of their own, the stack child and its ready line, and a Clerk
// stand-in that signs sessions.

/**
 * Starts a stack script as a child (`serve.ts`, or `fault-stack.ts`, which reads its database from
 * FAULT_DATABASE_URL) on a database of the file's own, and waits for its ready line; `cleanup` stops
 * it (closing stdin, SIGKILL after 5 s) and drops the database.
 */
export async function spawnStack(
  cleanup: Cleanup,
  opts: { label: string; script?: string; databaseVar?: string },
): Promise<{ bindings: StackBindings; lines: Interface; child: ChildProcess; ownDatabase: boolean }> {
  // A database of its own on the run's server (dropped by cleanup); on PGlite the child starts an
  // embedded one of its own.
  const own = await serverDatabase(opts.label);
  if (own) cleanup.add(`${opts.label} database`, own.drop);
  const databaseUrl = own?.url;
  const child = spawn("tsx", [opts.script ?? "scripts/stack/serve.ts"], {
    cwd: PROJECT_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, [opts.databaseVar ?? "TEST_DATABASE_URL"]: databaseUrl ?? "" },
  });
  cleanup.add(opts.label, async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin?.end();
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const ready = await stackReady(child, opts.label);
  return { ...ready, child, ownDatabase: databaseUrl !== undefined };
}

/**
 * Waits for the stack child's first stdout line, `{"ready": bindings}` or `{"error": message}`, and
 * returns the bindings with the line reader (later lines are the child's replies, if it has any).
 * Throws if the child exits first or reports an error.
 */
export async function stackReady(child: ChildProcess, label = "the stack"): Promise<{ bindings: StackBindings; lines: Interface }> {
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  const message = JSON.parse(first) as { ready?: StackBindings; error?: string };
  if (!message.ready) throw new Error(`${label} failed: ${message.error}`);
  return { bindings: message.ready, lines };
}

/**
 * A Clerk stand-in for one test file: an RS256 key pair of its own, the worker vars that make the
 * worker trust it (plus test settings: ENVIRONMENT test, quiet logs, a rate limit tests never hit),
 * and session tokens valid for 600 s for any `sub`.
 */
export class TestSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKeyPem: string,
    private readonly issuer: string,
    private readonly party: string,
  ) {}

  /** `name` keeps each file's issuer distinct (`https://clerk.<name>.invalid`). */
  static async create(name: string): Promise<TestSigner> {
    const pair = await generateKeyPair("RS256", { extractable: true });
    return new TestSigner(pair.privateKey, await exportSPKI(pair.publicKey), `https://clerk.${name}.invalid`, `https://frontend.${name}.invalid`);
  }

  /** The worker vars for a stack's bindings: its endpoints, test settings and this signer's key. */
  workerVars(bindings: StackBindings): Record<string, string> {
    const vars: Record<string, string> = {
      DATABASE_URL: bindings.DATABASE_URL,
      ENVIRONMENT: "test",
      LOG_LEVEL: "error",
      RATE_LIMIT_PER_MINUTE: "100000",
      CLERK_JWT_PUBLIC_KEY: this.publicKeyPem,
      CLERK_ISSUER: this.issuer,
      CLERK_AUTHORIZED_PARTIES: this.party,
    };
    if (bindings.LOCAL_NEON_PROXY) vars.LOCAL_NEON_PROXY = bindings.LOCAL_NEON_PROXY;
    if (bindings.UPSTASH_REDIS_REST_URL) vars.UPSTASH_REDIS_REST_URL = bindings.UPSTASH_REDIS_REST_URL;
    if (bindings.UPSTASH_REDIS_REST_TOKEN) vars.UPSTASH_REDIS_REST_TOKEN = bindings.UPSTASH_REDIS_REST_TOKEN;
    return vars;
  }

  /** A session token for `sub` (extra claims such as `email` merged in). */
  token(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ azp: this.party, ...claims })
      .setProtectedHeader({ alg: "RS256" })
      .setSubject(sub)
      .setIssuer(this.issuer)
      .setIssuedAt(now - 1)
      .setExpirationTime(now + 600)
      .sign(this.privateKey);
  }
}
