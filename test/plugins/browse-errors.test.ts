import { beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { insertPlugin } from "./browse-fixtures";

// Issue 15 item 1: refusals of the plugin browse routes.
const clients = useDatabase();
const db = () => clients.pool;
let reader: Record<string, string>;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
});

describe("GET /api/marketplace/plugins: bad input", () => {
  it("refuses limits outside 1–100, a negative offset, an unknown sort or status, a bad category_id or tag with 400 validation_failed", async () => {
    const bad = [
      "limit=0",
      "limit=101",
      "limit=abc",
      "offset=-1",
      "sort=random",
      "approval_status=maybe",
      "category_id=not-a-uuid",
      `tags=${"x".repeat(51)}`,
      `search=${"s".repeat(201)}`,
      `tags=${Array.from({ length: 11 }, (_, i) => `t${i}`).join(",")}`,
    ];
    for (const query of bad) {
      const response = await api(`/api/marketplace/plugins?${query}`, { headers: reader });
      expect(response.status, query).toBe(400);
      expect((await problem(response)).code, query).toBe("validation_failed");
    }
  });

  it("accepts the bounds themselves", async () => {
    for (const query of ["limit=1", "limit=100", "offset=0"]) {
      expect((await api(`/api/marketplace/plugins?${query}`, { headers: reader })).status, query).toBe(200);
    }
  });
});

describe("GET /api/marketplace/plugins/{id}: refusals", () => {
  it("answers 400 for an id that is not a UUID", async () => {
    const response = await api("/api/marketplace/plugins/not-a-uuid", { headers: reader });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("validation_failed");
  });

  it("answers 404 plugin_not_found for an unknown id", async () => {
    const response = await api(`/api/marketplace/plugins/${crypto.randomUUID()}`, { headers: reader });
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("plugin_not_found");
  });

  it("answers 404 for a pending, a rejected and an inactive plugin", async () => {
    for (const spec of [{ status: "pending" as const }, { status: "rejected" as const }, { isActive: false }]) {
      const plugin = await insertPlugin(db(), spec);
      const response = await api(`/api/marketplace/plugins/${plugin.id}`, { headers: reader });
      expect(response.status, JSON.stringify(spec)).toBe(404);
      expect((await problem(response)).code).toBe("plugin_not_found");
    }
  });
});
