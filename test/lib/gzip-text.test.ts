import { describe, expect, it } from "vitest";
import { gunzipFromBase64, gzipToBase64 } from "../../src/lib/gzip-text";

// The encoding of assembled-context entries in Redis (services/plugins/context-cache.ts).

describe("gzipToBase64 / gunzipFromBase64 (happy)", () => {
  it.each([
    ["empty", ""],
    ["ASCII", "You are the benchmark agent."],
    ["multi-byte and astral (variant)", "Café — 日本語 😀 \u2028 end"],
  ])("round-trips %s text", async (_, text) => {
    const encoded = await gzipToBase64(text);
    expect(encoded).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(await gunzipFromBase64(encoded)).toBe(text);
  });

  it("compresses prose about tenfold, and round-trips 300 KB (more than one base64 chunk)", async () => {
    const prose = Array.from({ length: 3_000 }, (_, i) => `- Step ${i}: read the change, check each input, and explain the risk in one sentence.`).join("\n");
    expect(prose.length).toBeGreaterThan(250_000);
    const encoded = await gzipToBase64(prose);
    expect(encoded.length).toBeLessThan(prose.length / 5);
    expect(await gunzipFromBase64(encoded)).toBe(prose);
  });
});

describe("gunzipFromBase64 (errors)", () => {
  it("throws for base64 that is not gzip, and for text that is not base64", async () => {
    await expect(gunzipFromBase64(btoa("not gzip at all"))).rejects.toThrow();
    await expect(gunzipFromBase64("%%%")).rejects.toThrow();
  });

  it("throws for a truncated stream", async () => {
    const encoded = await gzipToBase64("a".repeat(10_000) + "tail");
    const bytes = atob(encoded);
    await expect(gunzipFromBase64(btoa(bytes.slice(0, bytes.length - 8)))).rejects.toThrow();
  });
});
