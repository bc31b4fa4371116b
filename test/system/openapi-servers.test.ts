import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { serverUrl } from "../../src/routes/system/openapi";
import { callWithEnv } from "../helpers/app";
import { api } from "../helpers/http";

const worker = (exports as unknown as { default: Fetcher }).default;

/** The worker as deployed, asked for its document under a Host the client chose. */
const fetchAs = (host: string) => worker.fetch(new Request(`https://${host}/openapi.json`, { headers: { Host: host } }));

describe("/openapi.json servers", () => {
  it("never takes the server URL from the Host header, first request or later", async () => {
    const poisoned = await fetchAs("evil.example");
    expect(poisoned.status).toBe(200);
    expect(await poisoned.text()).not.toContain("evil.example");
    const later = await api("/openapi.json");
    const text = await later.text();
    expect(text).not.toContain("evil.example");
    expect((JSON.parse(text) as { servers: unknown }).servers).toEqual([{ url: "/" }]);
  });

  it("uses PUBLIC_URL when configured, whatever the Host (variant: another isolate's app)", async () => {
    const response = await callWithEnv("/openapi.json", { PUBLIC_URL: "https://api.example.com/" }, { headers: { Host: "evil.example" } });
    const text = await response.text();
    expect((JSON.parse(text) as { servers: unknown }).servers).toEqual([{ url: "https://api.example.com" }]);
    expect(text).not.toContain("evil.example");
  });

  it("falls back to the relative URL for a missing or unusable PUBLIC_URL", () => {
    expect(serverUrl(undefined)).toBe("/");
    expect(serverUrl("not a url")).toBe("/");
    expect(serverUrl("javascript:alert(1)")).toBe("/");
    expect(serverUrl("https://api.example.com/v1/")).toBe("https://api.example.com/v1");
  });
});
