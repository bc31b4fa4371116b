import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../scripts/stack/paths";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs bin/marketplace.mjs (what `npx marketplace` runs) with only the environment given (plus PATH
 * and HOME), so the developer's own MARKETPLACE_* settings and config never leak in.
 */
export function runCli(args: string[], env: Record<string, string> = {}, stdin = ""): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/marketplace.mjs"), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
