import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";
import { adminHeaders, post, publisher } from "./helpers";

// Issue 10 item 1: every example of a secret nested inside published configuration, end to end:
// dropped at submit, named in the response, and never served to a catalog reader after approval.
const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
beforeAll(async () => {
  admin = await adminHeaders(db());
});

const SLACK_WEBHOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";
const BEARER = "Bearer sk-live-4f9a8b7c6d5e4f3a2b1c";
const DB_PASSWORD = "correct-horse-battery-staple";
const AGENT_KEY = "ak_9d8c7b6a5f4e3d2c1b0a";
const CALLBACK = "https://publisher.example/agent-events";

/** Submits, approves, and returns the submit body and what a catalog reader sees. */
async function publishAndRead(type: "agents" | "recipes", details: Record<string, unknown>) {
  const p = await publisher(db());
  const token = uniqueToken();
  const draft = await p.create(type, { name: `Secretive ${token}`, description: `Probe ${token}`, details });
  const submitted = await p.submit({ item_id: draft.id });
  expect(submitted.status).toBe(201);
  const body = (await submitted.json()) as { item_id: string; dropped_keys: string[] };
  expect((await post(`/api/marketplace/items/${body.item_id}/approve`, {}, admin)).status).toBe(200);
  const reader = await publisher(db());
  const detail = await api(`/api/marketplace/items/${body.item_id}`, { headers: reader.headers });
  const listing = await api(`/api/marketplace/items?search=${token}`, { headers: reader.headers });
  expect(detail.status).toBe(200);
  expect(listing.status).toBe(200);
  const [row] = await db().select().from(schema.items).where(eq(schema.items.id, body.item_id));
  const versions = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.itemId, body.item_id));
  const detailText = await detail.text();
  const listingText = await listing.text();
  // The reader does see the item, so what it does not see was really left out.
  expect(listingText).toContain(body.item_id);
  return {
    dropped: body.dropped_keys,
    detail: JSON.parse(detailText) as { metadata: Record<string, unknown> },
    served: `${detailText}${listingText}`,
    stored: JSON.stringify({ details: row!.details, versions: versions.map((v) => v.content) }),
  };
}

describe("secrets nested in published configuration", () => {
  it("drops a recipe's step webhook URL, step Authorization header and input password, listing each path", async () => {
    const result = await publishAndRead("recipes", {
      steps: [
        { order: 0, title: "Notify", url: SLACK_WEBHOOK, headers: { Authorization: BEARER, "Content-Type": "application/json" } },
        { order: 1, title: "Summarise", prompt: "Summarise the thread" },
      ],
      inputs: { db_password: DB_PASSWORD, channel: "#releases" },
      required_tools: ["SLACK"],
    });
    expect(result.dropped.sort()).toEqual(
      ["inputs.db_password", "steps[0].headers.Authorization", 'steps[0].headers["Content-Type"]', "steps[0].url"].sort(),
    );
    for (const secret of [SLACK_WEBHOOK, "hooks.slack.com", "sk-live-", DB_PASSWORD]) {
      expect(result.served).not.toContain(secret);
      expect(result.stored).not.toContain(secret);
    }
    // What is not a credential is still published.
    expect(result.detail.metadata).toEqual({
      steps: [
        { order: 0, title: "Notify" },
        { order: 1, title: "Summarise", prompt: "Summarise the thread" },
      ],
      inputs: { channel: "#releases" },
      required_tools: ["SLACK"],
    });
  });

  it("drops an agent's parameters.api_key and parameters.callback_url, keeping its other parameters", async () => {
    const result = await publishAndRead("agents", {
      agent_type: "custom",
      model_config: { model_id: "gpt-4o", temperature: 0.2, max_tokens: 1024 },
      parameters: { api_key: AGENT_KEY, callback_url: CALLBACK, tone: "friendly", max_tokens: 512 },
    });
    expect(result.dropped.sort()).toEqual(["parameters.api_key", "parameters.callback_url"]);
    for (const secret of [AGENT_KEY, CALLBACK]) {
      expect(result.served).not.toContain(secret);
      expect(result.stored).not.toContain(secret);
    }
    expect(result.detail.metadata).toMatchObject({ parameters: { tone: "friendly", max_tokens: 512 }, model_config: { max_tokens: 1024 } });
  });
});
