import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createMarketplaceItem, createWorkspace, createWorkspaceItem } from "../helpers/factories";
import { api } from "../helpers/http";
import { contractViolations, ResponseSchemas } from "../helpers/fuzz/checks";
import { drawsFor, plan, type Credentials, type IdPools, type Operation, type PlannedRequest } from "../helpers/fuzz/requests";
import type { Definitions } from "../helpers/fuzz/schema-arbitrary";

// Issue 16 item 1: contract fuzzing from /openapi.json. Every operation of the served document gets
// schema-derived requests, valid and mutated, with a caller of the role it declares; every response
// must keep the document's promises. The seed is printed; FUZZ_SEED=<n> npm test replays a run.

const DEFAULT_SEED = 20261201;
const SEED = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : DEFAULT_SEED;
const MIN_REQUESTS = 3_000;
const IN_FLIGHT = 10;
// A request still unanswered after this is a hang, reported as a failure rather than a timeout of the whole test.
const ANSWER_WITHIN_MS = 15_000;
// Helpers that exist only for the suite and the benchmark; not part of the public contract.
const SKIPPED_PREFIXES = ["/api/testing", "/api/bench", "/__test", "/__bench"];
// Operations that start background work over the whole database: the rescan's restart would send
// queue batches that scan (and may quarantine) other files' plugin versions while they run. Its
// contract is checked by test/plugins/rescan.test.ts, which runs alone.
const SKIPPED_OPERATIONS = new Set(["post /api/admin/plugins/rescan"]);

const clients = useDatabase();
const db = () => clients.pool;

interface Document {
  paths: Record<string, Record<string, Omit<Operation, "method" | "path" | "access"> & { "x-access"?: Operation["access"] }>>;
  components: { schemas: Definitions };
}

let document: Document;
let credentials: Credentials;
let pools: IdPools;

/** A tenant of its own: an owner, an editor, an API key with every scope, a platform admin, rows to aim at. */
async function buildWorld() {
  const owner = await signedInUser(db());
  const admin = await signedInUser(db(), { systemRole: "admin" });
  const { workspace } = await createWorkspace(db(), { owner: owner.user });
  const editor = await addMember(db(), workspace.id, "editor");
  const key = await createKey(db(), workspace.id, { createdByUserId: owner.user.id });
  const spareKey = await createKey(db(), workspace.id, { createdByUserId: owner.user.id });
  const marketplace = await Promise.all(
    (["agent", "recipe", "skill"] as const).map((type) => createMarketplaceItem(db(), { type, publisherWorkspaceId: workspace.id })),
  );
  const own = await Promise.all((["agent", "recipe", "skill"] as const).map((type) => createWorkspaceItem(db(), workspace.id, { type })));
  credentials = { workspaceId: workspace.id, ownerToken: owner.token, adminToken: admin.token, apiKey: key.secret };
  // The owner is never a target: demoting or removing them would leave the rest of the run 403s.
  pools = {
    id: [...marketplace.map((m) => m.item.id), ...own.map((item) => item.id)],
    workspace_id: [workspace.id],
    user_id: [editor.id],
    key_id: [spareKey.id],
  };
}

function operations(): Operation[] {
  const list: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    if (SKIPPED_PREFIXES.some((prefix) => path.startsWith(prefix))) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (SKIPPED_OPERATIONS.has(`${method} ${path}`)) continue;
      list.push({
        method,
        path,
        access: op["x-access"] ?? { access: "public" },
        parameters: op.parameters ?? [],
        requestBody: op.requestBody,
        responses: op.responses,
      });
    }
  }
  return list;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

beforeAll(async () => {
  const response = await api("/openapi.json");
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
  await buildWorld();
}, 60_000);

describe("contract fuzzing from /openapi.json (issue 16 item 1)", () => {
  it(`every operation keeps its declared statuses and schemas under ≥ ${MIN_REQUESTS} generated requests (seed printed)`, async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(20);
    const perOperation = Math.ceil(MIN_REQUESTS / ops.length);
    const defs = document.components.schemas;
    const planned: PlannedRequest[] = ops.flatMap((op, index) =>
      fc.sample(drawsFor(op, defs, pools, credentials), { seed: SEED + index, numRuns: perOperation }).map((draw) => plan(op, defs, credentials, draw)),
    );
    console.log(`[fuzz] seed ${SEED} (replay: FUZZ_SEED=${SEED}), ${ops.length} operations, ${planned.length} requests`);

    const schemas = new ResponseSchemas(defs);
    const started = Date.now();
    const statuses = new Map<number, number>();
    const failures = (
      await pool(planned, IN_FLIGHT, async (request) => {
        let response: Response;
        const t0 = Date.now();
        try {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const hung = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
          });
          response = await Promise.race([api(request.url, request.init), hung]).finally(() => clearTimeout(timer));
          if (Date.now() - t0 > 3000) console.log(`[fuzz] slow ${Date.now() - t0} ms: ${request.describe.slice(0, 200)}`);
        } catch (error) {
          return [`${request.describe}\n  the request failed: ${String(error)}`];
        }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const violations = await contractViolations(request, response, schemas);
        return violations.length > 0 ? [`${request.mutation}: ${request.describe}\n  → ${violations.join("\n  → ")}`] : [];
      })
    ).flat();
    const seconds = (Date.now() - started) / 1000;
    console.log(`[fuzz] ${planned.length} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

    // One line per kind of failure, so a report names every broken promise and not only the first 15.
    const kinds = new Map<string, number>();
    for (const failure of failures) {
      const [first = "", second = ""] = failure.split("\n");
      const key = `${first.split(" ")[1]} ${first.split(" ")[2]?.split("?")[0]} ${second.trim().replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ":id")}`;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    if (kinds.size > 0) console.log(`[fuzz] failures by kind:\n${[...kinds].map(([k, n]) => `${n}× ${k}`).join("\n")}`);

    expect(planned.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(failures.slice(0, 15), `seed ${SEED}: ${failures.length} of ${planned.length} requests broke the contract`).toEqual([]);
    // Valid requests must reach handlers, not only validators: some of every run succeed.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
  }, 240_000);
});
