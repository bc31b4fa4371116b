import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type JWK } from "jose";
import type { TestProject } from "vitest/node";
import { recordStackTimings } from "../scripts/test-profile/timings";

export const TEST_ISSUER = "https://clerk.tests.invalid";
export const TEST_AUTHORIZED_PARTY = "https://frontend.test";

let child: ChildProcess | undefined;
let jwksServer: Server | undefined;

/**
 * A stand-in for Clerk's JWKS endpoint on loopback: GET /<set>/jwks.json serves a key set,
 * POST /<set>/keys adds a key (a rotation), GET /<set>/fetches counts the JWKS downloads.
 * Each test names its own set, so tests never see each other's rotations.
 */
async function startJwksServer(initialKey: JWK): Promise<string> {
  const sets = new Map<string, { keys: JWK[]; fetches: number }>();
  const setFor = (name: string) => {
    let set = sets.get(name);
    if (!set) sets.set(name, (set = { keys: [initialKey], fetches: 0 }));
    return set;
  };
  jwksServer = createServer((req, res) => {
    const [, name = "", action = ""] = (req.url ?? "").split("?")[0]!.split("/");
    const set = setFor(name);
    const send = (body: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && action === "jwks.json") {
      set.fetches += 1;
      send({ keys: set.keys });
    } else if (req.method === "GET" && action === "fetches") {
      send({ fetches: set.fetches });
    } else if (req.method === "POST" && action === "keys") {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        set.keys.push(JSON.parse(body) as JWK);
        send({ keys: set.keys.length });
      });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => jwksServer!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
}

/** Starts the local stack once per run in a child Node process and hands its URLs to the workers. */
export async function setup(project: TestProject) {
  const started = Date.now();
  child = spawn("tsx", ["scripts/stack/serve.ts"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env },
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child!.once("exit", (code) => reject(new Error(`the local stack exited with code ${code} before it was ready`)));
  });
  const message = JSON.parse(first) as {
    ready?: Record<string, string>;
    pausableCache?: { url: string; token: string; control: string };
    databaseServer?: string;
    timings?: Record<string, number>;
    error?: string;
  };
  if (!message.ready) throw new Error(`the local stack failed to start: ${message.error}`);
  const { database, ...bindings } = message.ready;
  console.log(`[stack] ready (database: ${database})`);
  // A session-token signing key for this run: the worker gets the public half as its networkless
  // Clerk key, the tests the private half to mint tokens.
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  project.provide("stack", {
    ...bindings,
    CLERK_JWT_PUBLIC_KEY: await exportSPKI(publicKey),
    CLERK_ISSUER: TEST_ISSUER,
    CLERK_AUTHORIZED_PARTIES: TEST_AUTHORIZED_PARTY,
  });
  project.provide("jwtPrivateKey", await exportPKCS8(privateKey));
  // A cache of its own that a test may pause (SIGSTOP) without stalling the other files.
  project.provide("pausableCache", message.pausableCache!);
  project.provide("databaseServer", message.databaseServer ?? "");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  project.provide("jwksBaseUrl", await startJwksServer(jwk));
  recordStackTimings({ total: Date.now() - started, readyAt: Date.now(), parts: message.timings ?? {} });
}

export async function teardown() {
  jwksServer?.close();
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.stdin?.end();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
