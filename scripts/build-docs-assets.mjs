// Copies Swagger UI's assets into public/docs/assets/, which Workers Static Assets serves
// (`[assets]` in wrangler.toml): /docs works with no CDN (design.md §20) and the worker script
// holds only code, so cold starts do not parse 1.9 MB of embedded strings (issue 16 item 4).
// Runs on `npm install` (postinstall) and before dev/test; the output is git-ignored.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "public/docs/assets");
const require = createRequire(import.meta.url);
let dist;
try {
  dist = dirname(require.resolve("swagger-ui-dist/package.json"));
} catch {
  console.warn("swagger-ui-dist is not installed yet; skipping docs assets");
  mkdirSync(out, { recursive: true });
  process.exit(0);
}

// Source-map comments would point the browser at files the worker does not serve.
const read = (file) => readFileSync(join(dist, file), "utf8").replace(/\n?\/[/*]# sourceMappingURL=.*$/gm, "");

// validatorUrl: null stops Swagger UI from calling its public validator service.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
});
`;

const files = {
  "swagger-ui-bundle.js": read("swagger-ui-bundle.js"),
  "swagger-ui.css": read("swagger-ui.css"),
  "init.js": INIT_JS,
};
mkdirSync(out, { recursive: true });
let written = 0;
for (const [name, body] of Object.entries(files)) {
  const path = join(out, name);
  if (existsSync(path) && readFileSync(path, "utf8") === body) continue;
  writeFileSync(path, body);
  written += 1;
}
if (written > 0) {
  const version = JSON.parse(readFileSync(join(dist, "package.json"), "utf8")).version;
  console.log(`docs assets: swagger-ui-dist ${version} copied to public/docs/assets`);
}
