import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";

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
  project.provide("stack", bindings);
}

export async function teardown() {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.stdin?.end();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
