import type { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/authorize";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Marketplace API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

// Everything the page loads comes from this worker; the CSP makes the browser hold us to that.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerDocs(app: Hono<AppEnv>) {
  const publicAccess = authorize({ access: "public" });
  app.get("/docs", publicAccess, (c) => {
    c.header("Content-Security-Policy", DOCS_CSP);
    return c.html(PAGE);
  });
  // Deployed, Workers Static Assets answers these paths before the worker runs; this route serves
  // the same files (with their ETag and 304s) when the worker is called directly.
  app.get("/docs/assets/:file", publicAccess, async (c) => {
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    if (asset.status === 404) return c.notFound();
    // A fresh Response: the binding's headers are immutable and later middleware adds to them.
    return new Response(asset.body, asset);
  });
}
