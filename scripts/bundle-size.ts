// The deployed worker script's size: `wrangler deploy --dry-run` bundles exactly what would ship,
// and esbuild's metafile names the modules that weigh most. Used by `npm run bench` (report) and by
// `.ci/run` (budget: `tsx scripts/bundle-size.ts --max-gzip-bytes 1048576`, issue 16 item 4).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { bundleWorker } from "./local/worker-bundle";

export interface BundleSize {
  /** Bytes of the worker script as uploaded. */
  scriptBytes: number;
  /** Bytes of the script after gzip level 9 (what Cloudflare's size limits count). */
  gzipBytes: number;
  /** The heaviest input modules by bytes they contribute to the script, largest first. */
  largest: Array<{ module: string; bytes: number }>;
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Bundles the worker with wrangler (no upload; scripts/local/worker-bundle.ts) and measures it. Throws if wrangler fails. */
export async function measureBundle(top = 5): Promise<BundleSize> {
  const bundle = await bundleWorker();
  const script = readFileSync(bundle.script);
  const meta = JSON.parse(readFileSync(bundle.metafile, "utf8")) as Metafile;
  const byModule = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      // Group a package's files under the package, so "zod" is one line, not forty.
      const module = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? input;
      byModule.set(module, (byModule.get(module) ?? 0) + bytesInOutput);
    }
  }
  const largest = [...byModule.entries()]
    .map(([module, bytes]) => ({ module, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
  return { scriptBytes: script.length, gzipBytes: gzipSync(script, { level: 9 }).length, largest };
}

/** Markdown section for the bench report. */
export function renderBundleSize(size: BundleSize): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const rows = size.largest.map((m) => `| ${m.module} | ${kib(m.bytes)} |`).join("\n");
  return `## Worker bundle\n\nScript ${kib(size.scriptBytes)}, ${kib(size.gzipBytes)} gzip (budget 1024 KiB gzip, target 512 KiB).\n\n| largest modules | bytes in script |\n|---|---|\n${rows}\n`;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const flag = process.argv.indexOf("--max-gzip-bytes");
  const budget = flag > 0 ? Number(process.argv[flag + 1]) : Number.POSITIVE_INFINITY;
  const size = await measureBundle();
  console.log(renderBundleSize(size));
  if (size.gzipBytes > budget) {
    console.error(`worker script is ${size.gzipBytes} bytes gzip, over the budget of ${budget}`);
    process.exit(1);
  }
}
