import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { planBudget } from "../../src/domain/context-budget";
import { estimateTokens } from "../../src/domain/tokens";

const SAMPLES: Record<string, string> = {
  prose:
    "Read the diff carefully and point out bugs, one per line. Prefer concrete suggestions over general advice; when unsure, say so and explain what you would check next.",
  markdown: "# Review\n\n## Steps\n\n1. Read the **diff**.\n2. List issues:\n   - `null` checks\n   - off-by-one errors\n\n> Keep it short.\n",
  code: "export async function handler(req: Request): Promise<Response> {\n  const { id } = await req.json();\n  if (!id) return new Response('missing id', { status: 400 });\n  return Response.json({ id, ok: true });\n}\n",
  json: JSON.stringify({ name: "review-helper", version: "1.2.3", tags: ["review", "diff"], limits: { max_files: 200, timeout_ms: 30000 } }, null, 2),
  numbers: "Order 123456789 shipped on 2026-12-01 at 10:45:07; total 1,234.56 EUR (VAT 19%).",
  accents: "Café crème, naïve façade, São Paulo, Zürich, Kraków, Ærøskøbing.",
  cjk: "插件内容在缓存中保存一个小时，工作区启用后才能读取。これはテストです。한국어 문장도 있습니다.",
  emoji: "Ship it 🚀🚀 — looks good 👍, but check the ✅ list.",
  whitespace: "a    b\t\tc\n\n\n\nd          e",
  identifiers: "getAssembledContextForAgentWithBudget snake_case_identifier_name CONSTANT_VALUE_42 x1y2z3",
};

describe("the token estimate (src/domain/tokens.ts)", () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`never counts fewer tokens than cl100k_base, and at most about twice as many: ${name}`, () => {
      const real = countTokens(text);
      const estimate = estimateTokens(text);
      expect(estimate).toBeGreaterThanOrEqual(real);
      expect(estimate).toBeLessThanOrEqual(Math.ceil(real * 2.3) + 2);
    });
  }

  it("holds over a long generated document (the size of a plugin's prose)", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `Step ${i}: check the value of item_${i % 37} and report it.`).join("\n");
    const real = countTokens(text);
    expect(estimateTokens(text)).toBeGreaterThanOrEqual(real);
    expect(estimateTokens(text)).toBeLessThanOrEqual(real * 2.2);
  });

  it("is 0 for empty text", () => {
    expect(estimateTokens("")).toBe(0);
  });
});

describe("planBudget", () => {
  it("keeps the fixed parts, then takes each plugin in full, else its summary, else omits it, in order", () => {
    const plan = planBudget(100, 20, 1, [
      { full: 50, summary: 5 },
      { full: 40, summary: 10 },
      { full: 10, summary: 2 },
      { full: 30, summary: 30 },
    ]);
    expect(plan!.choices).toEqual([
      { included: "full", tokens: 50 },
      { included: "summary", tokens: 10 },
      { included: "full", tokens: 10 },
      { included: "omitted", tokens: 0 },
    ]);
    expect(plan!.total).toBe(20 + 51 + 11 + 11);
  });

  it("answers null when the fixed parts alone exceed the budget", () => {
    expect(planBudget(10, 11, 1, [])).toBeNull();
    expect(planBudget(10, 10, 1, [{ full: 1, summary: 1 }])!.choices).toEqual([{ included: "omitted", tokens: 0 }]);
  });
});
