import type { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/authorize";
import { ASSETS_ETAG, swaggerUiBundleJs, swaggerUiCss } from "./assets.generated";

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

// validatorUrl: null stops Swagger UI from calling its public validator service.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
});
`;

// Everything the page loads comes from this worker; the CSP makes the browser hold us to that.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, { body: string; type: string }> = {
  "swagger-ui-bundle.js": { body: swaggerUiBundleJs, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { body: swaggerUiCss, type: "text/css; charset=utf-8" },
  "init.js": { body: INIT_JS, type: "text/javascript; charset=utf-8" },
};

export function registerDocs(app: Hono<AppEnv>) {
  const publicAccess = authorize({ access: "public" });
  app.get("/docs", publicAccess, (c) => {
    c.header("Content-Security-Policy", DOCS_CSP);
    return c.html(PAGE);
  });
  app.get("/docs/assets/:file", publicAccess, (c) => {
    const asset = ASSETS[c.req.param("file")];
    if (!asset) return c.notFound();
    const etag = `"${ASSETS_ETAG}"`;
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, { ETag: etag });
    return c.body(asset.body, 200, {
      "Content-Type": asset.type,
      "Cache-Control": "public, max-age=86400",
      ETag: etag,
    });
  });
}
