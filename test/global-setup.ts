import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";

export const TEST_ISSUER = "https://clerk.tests.invalid";
export const TEST_AUTHORIZED_PARTY = "https://frontend.test";

let child: ChildProcess | undefined;

/** Starts the local stack once per run in a child Node process and hands its URLs to the workers. */
export async function setup(project: TestProject) {
  child = spawn("tsx", ["scripts/stack/serve.ts"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env },
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child!.once("exit", (code) => reject(new Error(`the local stack exited with code ${code} before it was ready`)));
  });
  const message = JSON.parse(first) as { ready?: Record<string, string>; error?: string };
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
}

export async function teardown() {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.stdin?.end();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
