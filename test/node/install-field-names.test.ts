import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

// Issue 30 item 4 and design.md §52: the installed list and /updates name the same facts the same
// way; /updates keeps `item_type` and `current_version` as deprecated aliases, said so in the document.

type Schema = { properties?: Record<string, { deprecated?: boolean; description?: string; type?: unknown }>; required?: string[] };

async function schemas(): Promise<Record<string, Schema>> {
  const app = createApp({});
  const response = await app.request("/openapi.json", {}, { LOG_LEVEL: "error" } as never, { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never);
  expect(response.status).toBe(200);
  return ((await response.json()) as { components: { schemas: Record<string, Schema> } }).components.schemas;
}

const CANONICAL = ["type", "installed_version", "version_status", "update", "update_available", "latest_version", "listed_version", "safe_version"];

describe("installed list and updates: one set of field names", () => {
  it("both carry the canonical names, identically typed; /updates' old names are deprecated aliases, and only there", async () => {
    const all = await schemas();
    const installed = all.InstalledItem!;
    const updates = all.AvailableUpdate!;
    for (const name of CANONICAL) {
      expect(installed.properties?.[name], `InstalledItem.${name}`).toBeDefined();
      expect(updates.properties?.[name]?.type, `AvailableUpdate.${name}`).toEqual(installed.properties?.[name]?.type);
      expect(updates.properties?.[name]?.deprecated, name).toBeUndefined();
    }
    for (const [alias, of] of [["item_type", "type"], ["current_version", "installed_version"]]) {
      expect(updates.properties?.[alias!]).toMatchObject({ deprecated: true });
      expect(updates.properties?.[alias!]?.description).toMatch(new RegExp(`^Deprecated alias of \`${of}\`.*removed in v2`));
      expect(installed.properties?.[alias!]).toBeUndefined();
    }
  });
});
