import { describe, expect, it } from "vitest";
import { bearer, signedInUser, workspaceOwnerHeaders } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { api, problem } from "../helpers/http";

// Regressions for what the contract fuzzer (contract-fuzz.test.ts) found: statuses the app sends
// that the document did not declare for the operation. defineRoute now declares them centrally.

const clients = useDatabase();
const db = () => clients.pool;

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

async function declared(path: string, method: string): Promise<string[]> {
  const document = (await (await api("/openapi.json")).json()) as Document;
  return Object.keys(document.paths[path]![method]!.responses);
}

const owner = () => workspaceOwnerHeaders(db());

describe("statuses the app sends are declared for the operation (found by the contract fuzzer)", () => {
  it("400 for a NUL in the query of an operation without query parameters (categories)", async () => {
    const response = await api("/api/marketplace/categories?x=%00", { headers: await owner() });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("validation_failed");
    expect(await declared("/api/marketplace/categories", "get")).toContain("400");
  });

  it("400 for a malformed id on the plugin activation routes", async () => {
    const admin = bearer((await signedInUser(db(), { systemRole: "admin" })).token);
    const response = await api("/api/admin/plugins/not-a-uuid/deactivate", { method: "POST", headers: admin });
    expect(response.status).toBe(400);
    expect(await declared("/api/admin/plugins/{plugin_id}/deactivate", "post")).toContain("400");
    expect(await declared("/api/admin/plugins/{plugin_id}", "delete")).toContain("400");
  });

  it("415 for a body with a Content-Encoding the API does not decode, compressed or not; identity is plain", async () => {
    const headers = await owner();
    const name = `Encoded ${crypto.randomUUID().slice(0, 8)}`;
    const json = JSON.stringify({ name });
    const gzipped = await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    for (const [encoding, body] of [["gzip", gzipped], ["gzip", json], ["br, identity", json]] as const) {
      const response = await api("/api/agents", { method: "POST", headers: { ...headers, "content-type": "application/json", "content-encoding": encoding }, body });
      expect(response.status, encoding).toBe(415);
      expect((await problem(response)).code).toBe("unsupported_media_type");
    }
    const listed = (await (await api("/api/agents", { headers })).json()) as { items: Array<{ name: string }> };
    expect(listed.items.map((i) => i.name)).not.toContain(name);
    const identity = await api("/api/agents", { method: "POST", headers: { ...headers, "content-type": "application/json", "content-encoding": "identity" }, body: json });
    expect(identity.status).toBe(201);
  });

  it("415 for a JSON route sent text/plain, and 413 over the body limit", async () => {
    const headers = await owner();
    const wrongType = await api("/api/workspaces", { method: "POST", headers: { ...headers, "content-type": "text/plain" }, body: '{"name":"x"}' });
    expect(wrongType.status).toBe(415);
    expect((await problem(wrongType)).code).toBe("unsupported_media_type");
    const tooLarge = await api("/api/agents", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(70 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
    expect((await problem(tooLarge)).code).toBe("payload_too_large");
    for (const [path, method] of [["/api/workspaces", "post"], ["/api/agents", "post"]] as const) {
      expect(await declared(path, method)).toEqual(expect.arrayContaining(["413", "415"]));
    }
  });

  it("every operation declares 400; those behind the gate 401, 403, 404, 429 and 503; those with a body 413 and 415, as problem+json", async () => {
    const document = (await (await api("/openapi.json")).json()) as Document & {
      paths: Record<string, Record<string, { "x-access"?: { access: string }; requestBody?: unknown }>>;
    };
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const gated = op["x-access"] && op["x-access"].access !== "public";
        const expected = ["400", ...(gated ? ["401", "403", "404", "429", "503"] : []), ...(op.requestBody ? ["413", "415"] : [])];
        for (const status of expected) {
          const response = op.responses[status];
          // /health's own 503 is its report, not a problem; a route's own entry wins.
          if (!response) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
        if (!op.responses["400"]?.content?.["application/problem+json"]) missing.push(`${method.toUpperCase()} ${path} 400 as problem+json`);
      }
    }
    expect(missing).toEqual([]);
  });
});
