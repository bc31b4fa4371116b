import { describe, expect, it } from "vitest";
import { parseSearchQuery } from "../../src/domain/search-query";

describe("parseSearchQuery (src/domain/search-query.ts)", () => {
  it("splits words on punctuation, lower-cases them, and drops stop words while other words remain", () => {
    expect(parseSearchQuery("The On-call  COPILOT!").terms).toEqual([
      { kind: "word", text: "call" },
      { kind: "word", text: "copilot" },
    ]);
    expect(parseSearchQuery("The On-call  COPILOT!").nameText).toBe("the on-call copilot!");
  });

  it("keeps stop-word-only queries as whole name words", () => {
    expect(parseSearchQuery("of the").terms).toEqual([
      { kind: "word", text: "of", wholeNameWord: true },
      { kind: "word", text: "the", wholeNameWord: true },
    ]);
  });

  it("reads quoted phrases, an unterminated quote quoting the rest", () => {
    expect(parseSearchQuery('"release notes" writer').terms).toEqual([
      { kind: "phrase", words: ["release", "notes"] },
      { kind: "word", text: "writer" },
    ]);
    expect(parseSearchQuery('sql "plain lang').terms).toEqual([
      { kind: "word", text: "sql" },
      { kind: "phrase", words: ["plain", "lang"] },
    ]);
  });

  it("keeps tokens with %, _ or \\ as literals, and gives punctuation-only queries no terms", () => {
    expect(parseSearchQuery("100% snake_case a\\b").terms).toEqual([
      { kind: "literal", text: "100%" },
      { kind: "literal", text: "snake_case" },
      { kind: "literal", text: "a\\b" },
    ]);
    for (const query of [" :&! ", '""', "%", "_ \\", "'", "("]) expect(parseSearchQuery(query).terms, query).toEqual([]);
  });

  it("reads words of any script and drops repeated terms", () => {
    expect(parseSearchQuery("Café café données").terms).toEqual([
      { kind: "word", text: "café" },
      { kind: "word", text: "données" },
    ]);
  });
});

describe("parseSearchQuery: dotted words (versions, hosts)", () => {
  it("keeps runs joined by single dots as one word, with its parts", () => {
    expect(parseSearchQuery("Claude 3.5").terms).toEqual([
      { kind: "word", text: "claude" },
      { kind: "word", text: "3.5", parts: ["3", "5"] },
    ]);
    expect(parseSearchQuery("gpt-4.1 node.js").terms).toEqual([
      { kind: "word", text: "gpt" },
      { kind: "word", text: "4.1", parts: ["4", "1"] },
      { kind: "word", text: "node.js", parts: ["node", "js"] },
    ]);
  });

  it("splits at a dot that does not join two runs, and keeps dots in quoted phrases", () => {
    expect(parseSearchQuery("end. next ..x 3.").terms.map((t) => (t.kind === "word" ? t.text : t.kind))).toEqual(["end", "next", "x", "3"]);
    expect(parseSearchQuery('"claude 3.5 sonnet"').terms).toEqual([{ kind: "phrase", words: ["claude", "3.5", "sonnet"] }]);
  });
});
