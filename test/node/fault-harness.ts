import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Interface } from "node:readline";
import { sql } from "drizzle-orm";
import { Cleanup } from "../../scripts/bench/cleanup";
import { buildWorkerScript, startBundledWorker, type RunningWorker } from "../../scripts/bench/worker";
import { seedIfEmpty } from "../../scripts/seed/run";
import { withDrizzle } from "../../scripts/stack/dev-auth";
import type { StackBindings } from "../../scripts/stack/stack";
import { spawnStack, TestSigner } from "./stack-process";

// The harness of test/node/faults.test.ts (issue 16 item 2): its own stack (scripts/stack/
// fault-stack.ts, whose relay and redis-server can really be stopped and started) and the deployed
// bundle on its own Miniflare with R2 kept on disk, so the store can be broken under the running
// worker. Nothing here mocks a client: the worker meets a closed port, a dead redis-server or a
// failing R2 store exactly as it would in production.

export type FaultOp = "stop-relay" | "hang-relay" | "start-relay" | "stop-redis" | "start-redis";

export interface Tenant {
  workspaceId: string;
  /** JWT + X-Workspace-ID of the workspace's owner. */
  owner: Record<string, string>;
}

export class FaultHarness {
  url = "";
  bindings!: StackBindings;
  /** embedded = PGlite; postgres = a database of its own on the run's PostgreSQL server. */
  database: "embedded" | "postgres" = "embedded";
  private readonly cleanup = new Cleanup(() => {});
  private stack!: ChildProcess;
  private lines!: Interface;
  private replies: Array<(line: string) => void> = [];
  private signer!: TestSigner;
  private worker!: RunningWorker;
  private r2Dir = "";
  private serial = 0;

  /** Stack (database, relay, redis, shim), seed, bundle and worker; ~25 s on a loaded machine. */
  async start(): Promise<void> {
    // The bundle builds (or is taken from the cache) while the stack starts.
    const [stack, script] = await Promise.all([
      spawnStack(this.cleanup, { label: "fault stack", script: "scripts/stack/fault-stack.ts", databaseVar: "FAULT_DATABASE_URL" }),
      buildWorkerScript(),
    ]);
    ({ bindings: this.bindings, lines: this.lines, child: this.stack } = stack);
    this.database = stack.ownDatabase ? "postgres" : "embedded";
    this.lines.on("line", (line) => this.replies.shift()?.(line));
    await seedIfEmpty(this.bindings.DATABASE_URL);

    this.signer = await TestSigner.create("faults");
    this.r2Dir = mkdtempSync(join(tmpdir(), "faults-r2-"));
    this.cleanup.add("r2 directory", async () => rmSync(this.r2Dir, { recursive: true, force: true }));
    const vars = this.signer.workerVars(this.bindings);

    this.worker = await startBundledWorker(script, vars, this.cleanup, "fault worker", { r2Persist: this.r2Dir });
    this.url = this.worker.url;
  }

  async stop(): Promise<void> {
    await this.cleanup.run();
  }

  /** Runs one operation in the stack process; resolves with how long it took there. */
  control(op: FaultOp): Promise<number> {
    return new Promise((resolve, reject) => {
      this.replies.push((line) => {
        const reply = JSON.parse(line) as { ok: boolean; ms?: number; error?: string };
        if (reply.ok) resolve(reply.ms ?? 0);
        else reject(new Error(`${op} failed: ${reply.error}`));
      });
      this.stack.stdin!.write(`${JSON.stringify({ op })}\n`);
    });
  }

  /**
   * Runs `work` with redis-server killed (SIGKILL) behind the Upstash endpoint, then starts it again
   * on the same port. A test for any other read that must survive the cache going away (plugin
   * content, assembled context) is one more call of this.
   */
  async whileRedisDown<T>(work: () => Promise<T>): Promise<T> {
    await this.control("stop-redis");
    try {
      return await work();
    } finally {
      await this.control("start-redis");
    }
  }

  /**
   * Runs `work` with the worker's database relay stopped (its port closed: connections refused) or,
   * with `hang`, replaced by a black hole (connections accepted, never answered), then starts it again.
   */
  async whileDatabaseDown<T>(work: () => Promise<T>, how: "refused" | "hang" = "refused"): Promise<T> {
    await this.control(how === "hang" ? "hang-relay" : "stop-relay");
    try {
      return await work();
    } finally {
      await this.control("start-relay");
    }
  }

  /**
   * Runs `work` with the R2 store broken under the running worker (its blob directory replaced by a
   * file, so every write fails inside workerd's R2 implementation), then repairs it.
   */
  async whileStorageBroken<T>(work: () => Promise<T>): Promise<T> {
    const root = join(this.r2Dir, "r2");
    const blobs = readdirSync(root)
      .filter((name) => name.startsWith("BUNDLES-"))
      .map((name) => join(root, name, "blobs"));
    if (blobs.length === 0) throw new Error("the R2 store has no blob directory yet (store an object first)");
    for (const dir of blobs) {
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, "broken on purpose");
    }
    try {
      return await work();
    } finally {
      for (const dir of blobs) {
        rmSync(dir, { force: true });
        mkdirSync(dir);
      }
    }
  }

  /** The worker's R2 bucket, as Miniflare holds it. */
  bucket(): Promise<R2Bucket> {
    return this.worker.bucket();
  }

  token(sub: string): Promise<string> {
    return this.signer.token(sub);
  }

  uniqueSub(kind: string): string {
    this.serial += 1;
    return `user_faults_${kind}_${this.serial}_${Date.now()}`;
  }

  fetch(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Response> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    }
    return fetch(`${this.url}${path}`, init);
  }

  /** A workspace created through the API by a new user. */
  async tenant(): Promise<Tenant> {
    const sub = this.uniqueSub("owner");
    const auth = { Authorization: `Bearer ${await this.token(sub)}` };
    const created = await this.fetch("POST", "/api/workspaces", auth, { name: `Faults ${sub}` });
    if (created.status !== 201) throw new Error(`workspace create answered ${created.status}: ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    return { workspaceId: id, owner: { ...auth, "X-Workspace-ID": id } };
  }

  /** A system admin's headers (the user row is made before its first request). */
  async admin(): Promise<Record<string, string>> {
    const sub = this.uniqueSub("admin");
    await this.query(sql`insert into users (clerk_user_id, system_role) values (${sub}, 'admin')`);
    return { Authorization: `Bearer ${await this.token(sub)}` };
  }

  /** A query straight to the database (not through the relay the worker uses). */
  async query<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
    return withDrizzle(this.bindings.DATABASE_URL, async (db) => (await db.execute<T>(query)).rows as T[]);
  }
}
