import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import { createLogger } from "../../src/lib/logger";
import { authenticateRequest } from "../../src/services/auth/authenticate";
import { clerkConfigFrom } from "../../src/services/auth/clerk-jwt";
import { useDatabase } from "../helpers/db";
import { createKey, signedInUser } from "../helpers/auth";
import { createWorkspace } from "../helpers/factories";

// The access gate's speculative read (services/auth/authenticate.ts `speculate`): started, before
// the principal is known, for the workspace the request most likely acts in, so the route's own
// cache read overlaps the gate's Upstash request (issue 15 item 6: assembled-context hits).

const clients = useDatabase();
const deps = () => ({ db: clients, cache: createCache(env, createLogger({})), clerk: clerkConfigFrom(env), waitUntil: () => {} });

/** A speculate callback that records the workspaces it was started for. */
function recorder() {
  const started: string[] = [];
  return { started, speculate: (workspaceId: string) => (started.push(workspaceId), `read for ${workspaceId}`) };
}

describe("speculative read (happy)", () => {
  it("an API key: not on its first request in the isolate (its workspace is unknown), then for its own workspace", async () => {
    const { workspace } = await createWorkspace(clients.pool);
    const { secret } = await createKey(clients.pool, workspace.id);
    const seen = recorder();
    const first = await authenticateRequest({ kind: "api_key", value: secret }, deps(), { defaultLimit: 600, speculate: seen.speculate });
    expect(seen.started).toEqual([]);
    expect(first.speculative).toBeUndefined();
    const second = await authenticateRequest({ kind: "api_key", value: secret }, deps(), { defaultLimit: 600, speculate: seen.speculate });
    expect(seen.started).toEqual([workspace.id]);
    expect(second.speculative).toEqual({ workspaceId: workspace.id, value: `read for ${workspace.id}` });
  });

  it("a named workspace (path or X-Workspace-ID) is the guess from the first request", async () => {
    const { user, token } = await signedInUser(clients.pool);
    const { workspace } = await createWorkspace(clients.pool, { owner: user });
    const seen = recorder();
    const outcome = await authenticateRequest({ kind: "jwt", value: token }, deps(), { defaultLimit: 600, workspaceId: workspace.id, speculate: seen.speculate });
    expect(seen.started).toEqual([workspace.id]);
    expect(outcome.speculative?.workspaceId).toBe(workspace.id);
    expect(outcome.membership).toBe("owner");
  });
});

describe("speculative read (errors and security)", () => {
  it("a refused key still never learns another key's workspace, and a guess is only ever a guess: the gate checks it", async () => {
    const [a, b] = [await createWorkspace(clients.pool), await createWorkspace(clients.pool)];
    const keyA = await createKey(clients.pool, a.workspace.id);
    const revoked = await createKey(clients.pool, b.workspace.id, { revoked: true });
    const seen = recorder();
    await authenticateRequest({ kind: "api_key", value: keyA.secret }, deps(), { defaultLimit: 600, speculate: seen.speculate });
    await expect(authenticateRequest({ kind: "api_key", value: revoked.secret }, deps(), { defaultLimit: 600, speculate: seen.speculate })).rejects.toMatchObject({ status: 401 });
    await expect(authenticateRequest({ kind: "api_key", value: revoked.secret }, deps(), { defaultLimit: 600, speculate: seen.speculate })).rejects.toMatchObject({ status: 401 });
    // Key A's workspace is never guessed for key B; the revoked key taught nothing.
    expect(seen.started).toEqual([]);
    // A key naming another workspace gets that guess; the gate refuses the request (404) before using it.
    const named = await authenticateRequest({ kind: "api_key", value: keyA.secret }, deps(), { defaultLimit: 600, workspaceId: b.workspace.id, speculate: seen.speculate });
    expect(named.speculative?.workspaceId).toBe(b.workspace.id);
    expect(named.principal.kind === "api_key" && named.principal.key.workspaceId).toBe(a.workspace.id);
  });
});
