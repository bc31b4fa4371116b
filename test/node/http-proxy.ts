import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface ProxyProcess {
  url: string;
  /** What the proxy relayed so far: `CONNECT host:port` tunnels and absolute-URI requests. */
  seen: Array<{ method: string; target: string }>;
  close(): Promise<void>;
}

/** Starts test/node/http-proxy-process.mjs (a real proxy process on 127.0.0.1) and waits for its port. */
export function startProxyProcess(): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [join(__dirname, "http-proxy-process.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  const seen: ProxyProcess["seen"] = [];
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`proxy process exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as { port?: number; method?: string; target?: string };
      if (entry.port === undefined) {
        seen.push({ method: entry.method!, target: entry.target! });
        return;
      }
      resolve({
        url: `http://127.0.0.1:${entry.port}`,
        seen,
        close: () =>
          new Promise<void>((done) => {
            child.removeAllListeners("exit");
            child.once("exit", () => done());
            child.kill();
          }),
      });
    });
  });
}
