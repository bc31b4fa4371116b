import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";

describe("API documentation", () => {
  it("serves an OpenAPI 3.1 document generated from the routes", async () => {
    const response = await api("/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown; "x-access"?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/health"]?.get?.["x-access"]).toEqual({ access: "public" });
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "apiKeyHeader", "clerkSession"]);
    // A protected route states its requirements in the document: the schemes, with the empty scope
    // lists OpenAPI requires of non-OAuth schemes, and the scope in x-access.
    expect(doc.paths["/__test/protected"]?.get?.security).toEqual([{ clerkSession: [] }, { apiKey: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths["/__test/protected"]?.get?.["x-access"]).toMatchObject({ access: "authenticated", scope: "catalog:read" });
  });

  it("serves an interactive reference that loads nothing from another origin", async () => {
    const response = await api("/docs");
    expect(response.status).toBe(200);
    const html = await response.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(reference).toMatch(/^\/(?!\/)/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");

    for (const reference of references) {
      const asset = await api(reference);
      expect(asset.status, reference).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/^text\/(javascript|css)/);
      const etag = asset.headers.get("etag")!;
      const revalidated = await api(reference, { headers: { "If-None-Match": etag } });
      expect(revalidated.status).toBe(304);
    }
  });

  it("points the reference UI at the generated document and away from public validators", async () => {
    const init = await (await api("/docs/assets/init.js")).text();
    expect(init).toContain('url: "/openapi.json"');
    expect(init).toContain("validatorUrl: null");
  });
});
