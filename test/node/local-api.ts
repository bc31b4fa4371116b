import { join } from "node:path";
import { Cleanup } from "../../scripts/bench/cleanup";
import { buildWorkerScript, startBundledWorker } from "../../scripts/bench/worker";
import { seedIfEmpty } from "../../scripts/seed/run";
import { PROJECT_ROOT } from "../../scripts/stack/paths";
import type { StackBindings } from "../../scripts/stack/stack";
import { spawnStack, TestSigner } from "./stack-process";

// The API as a client outside the runtime sees it (the CLI, a browser): its own local stack
// (its own database, redis-server) with the demo catalog, and the deployed bundle on Miniflare
// with Workers Static Assets serving public/ (the docs UI's files) as deployed.

export interface LocalApi {
  url: string;
  bindings: StackBindings;
  /** A session token for this Clerk user id (the user row is created on first use). */
  token(sub: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the stack, seeds the demo catalog and serves the bundled worker; `close` stops all of it. */
export async function startLocalApi(): Promise<LocalApi> {
  const cleanup = new Cleanup(() => {});
  try {
    // The bundle builds (or is taken from the cache) while the stack starts.
    const [{ bindings }, script] = await Promise.all([spawnStack(cleanup, { label: "local api stack" }), buildWorkerScript()]);
    await seedIfEmpty(bindings.DATABASE_URL);
    const signer = await TestSigner.create("local-api");
    const vars = signer.workerVars(bindings);

    const { url } = await startBundledWorker(script, vars, cleanup, "local-api", { assetsDirectory: join(PROJECT_ROOT, "public") });
    const token = (sub: string) => signer.token(sub);

    return { url, bindings, token, close: () => cleanup.run() };
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

let serial = 0;

/**
 * A workspace of its own (created through the API by a fresh user) and an API key there with these
 * scopes; returns the key's secret and the workspace id.
 */
export async function workspaceKey(api: LocalApi, scopes: string[]): Promise<{ key: string; workspaceId: string }> {
  serial += 1;
  const owner = { Authorization: `Bearer ${await api.token(`user_local_api_${process.pid}_${serial}_${Date.now()}`)}`, "Content-Type": "application/json" };
  const created = await fetch(`${api.url}/api/workspaces`, { method: "POST", headers: owner, body: JSON.stringify({ name: `Local API ${serial} ${Date.now()}` }) });
  if (created.status !== 201) throw new Error(`creating a workspace answered ${created.status}: ${await created.text()}`);
  const workspace = (await created.json()) as { id: string };
  const keyResponse = await fetch(`${api.url}/api/api-keys`, {
    method: "POST",
    headers: { ...owner, "X-Workspace-ID": workspace.id },
    body: JSON.stringify({ name: "local api", scopes }),
  });
  if (keyResponse.status !== 201) throw new Error(`creating a key answered ${keyResponse.status}: ${await keyResponse.text()}`);
  return { key: ((await keyResponse.json()) as { key: string }).key, workspaceId: workspace.id };
}
