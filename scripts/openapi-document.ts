/**
 * Prints the OpenAPI document as the worker serves it at /openapi.json (production routes only:
 * no test or benchmark routes), without starting the stack: `.ci/run` lints it with spectral.
 * Usage: npx tsx scripts/openapi-document.ts openapi.json
 */
import { writeFileSync } from "node:fs";
import { createApp } from "../src/app";

const context = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
const output = process.argv[2];
if (!output) {
  process.stderr.write("usage: tsx scripts/openapi-document.ts <output.json>\n");
  process.exit(1);
}
// LOG_LEVEL: the request log line would otherwise be the only noise on stdout.
const response = await createApp().request("/openapi.json", {}, { LOG_LEVEL: "error" } as never, context);
if (response.status !== 200) {
  process.stderr.write(`/openapi.json answered ${response.status}: ${await response.text()}\n`);
  process.exit(1);
}
writeFileSync(output, `${JSON.stringify(await response.json(), null, 2)}\n`);
