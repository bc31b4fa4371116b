import { describe, expect, it } from "vitest";
import { CategoryRefSchema } from "../../src/domain/categories";
import { cleanName, NameSchema, nameSkeleton } from "../../src/domain/names";
import { cleanTags, TagsSchema } from "../../src/domain/tags";

// The rules themselves (src/domain); the API tests in test/publishing/names.test.ts and
// test/catalog/tags.test.ts show each one at the routes that accept names and tags.
const issues = (result: { success: boolean; error?: { issues: Array<{ message: string; path: PropertyKey[] }> } }) =>
  result.error?.issues.map((i) => ({ path: i.path.join("."), message: i.message })) ?? [];

describe("NameSchema", () => {
  it("stores NFC with every run of Unicode spaces collapsed to one space and trimmed", () => {
    expect(NameSchema.parse("Cafe\u0301")).toBe("Caf\u00e9");
    expect(NameSchema.parse("Ticket\u00a0Triage")).toBe("Ticket Triage");
    expect(NameSchema.parse("  Ticket  Triage ")).toBe("Ticket Triage");
    // Variant: ideographic and thin spaces.
    expect(NameSchema.parse("Ticket\u3000\u2009Triage")).toBe("Ticket Triage");
  });

  it.each([
    ["zero-width space at the end", "Ticket Triage\u200b", "U+200B"],
    ["only a zero-width space", "\u200b", "U+200B"],
    ["right-to-left override", "\u202eegairT tekciT", "U+202E"],
    ["bell", "\u0007", "U+0007"],
    ["newline", "Ticket\nTriage", "U+000A"],
    ["trailing newline (not trimmed away)", "Ticket Triage\n", "U+000A"],
    // Variants: a bidi isolate, and the Hangul filler that renders as nothing (a default-ignorable letter).
    ["left-to-right isolate", "\u2066Ticket Triage", "U+2066"],
    ["Hangul filler", "\u3164", "U+3164"],
  ])("refuses a name with a %s, naming the character", (_label, name, code) => {
    const result = NameSchema.safeParse(name);
    expect(result.success).toBe(false);
    expect(issues(result)).toEqual([{ path: "", message: expect.stringContaining(code) }]);
  });

  it("refuses a name with nothing visible, and one over 200 characters", () => {
    expect(issues(NameSchema.safeParse("   "))).toEqual([{ path: "", message: "must contain a visible character" }]);
    expect(NameSchema.safeParse("é".repeat(200)).success).toBe(true);
    expect(issues(NameSchema.safeParse("é".repeat(201)))).toEqual([{ path: "", message: "must be at most 200 characters" }]);
  });
});

describe("nameSkeleton", () => {
  const triage = nameSkeleton("Ticket Triage");

  it.each([
    ["Cyrillic с", "Ti\u0441ket Triage"],
    ["full-width letters", "\uff34\uff49\uff43\uff4b\uff45\uff54 Triage"],
    ["upper case", "TICKET TRIAGE"],
    ["no-break space", NameSchema.parse("Ticket\u00a0Triage")],
    ["two spaces", NameSchema.parse("Ticket  Triage")],
    // Variants: mathematical bold T, Greek iota-free Cyrillic е, and an emoji variation selector.
    ["mathematical bold T", "\u{1D413}icket Triage"],
    ["Cyrillic е", "Tick\u0435t Triage"],
    ["a variation selector", "Ticket Triage\ufe0f"],
  ])("gives a name with %s the skeleton of “Ticket Triage”", (_label, name) => {
    expect(nameSkeleton(name)).toBe(triage);
  });

  it("gives composed and decomposed é one skeleton, and keeps different names apart", () => {
    expect(nameSkeleton("Caf\u00e9")).toBe(nameSkeleton("Cafe\u0301"));
    expect(nameSkeleton("Cafe")).not.toBe(nameSkeleton("Caf\u00e9"));
    expect(nameSkeleton("Ticket Triage 2")).not.toBe(triage);
  });
});

describe("TagsSchema", () => {
  it("lower-cases, normalizes and de-duplicates, keeping the first occurrence's order", () => {
    expect(TagsSchema.parse(["Support", "support", "SUPPORT", "dup", "dup"])).toEqual(["support", "dup"]);
    expect(TagsSchema.parse([" Code\u00a0 Review ", "CAF\u0045\u0301"])).toEqual(["code review", "caf\u00e9"]);
  });

  it("refuses commas, invisible characters, empty and over-long tags, naming the tag", () => {
    expect(issues(TagsSchema.safeParse(["ok", "a,b"]))).toEqual([{ path: "1", message: "must not contain a comma" }]);
    expect(issues(TagsSchema.safeParse(["x\u200b"]))).toEqual([{ path: "0", message: expect.stringContaining("U+200B") }]);
    expect(issues(TagsSchema.safeParse(["\t"]))).toEqual([{ path: "0", message: expect.stringContaining("U+0009") }]);
    expect(issues(TagsSchema.safeParse([" "]))).toEqual([{ path: "0", message: "must contain a visible character" }]);
    expect(TagsSchema.safeParse(["a".repeat(50)]).success).toBe(true);
    expect(issues(TagsSchema.safeParse(["a".repeat(51)]))).toEqual([{ path: "0", message: "must be at most 50 characters" }]);
  });

  it("allows 20 tags after de-duplication, not 21", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    expect(TagsSchema.parse([...twenty, "T0", "t1"])).toEqual(twenty);
    expect(TagsSchema.safeParse([...twenty, "t20"]).success).toBe(false);
  });
});

describe("CategoryRefSchema", () => {
  it("normalizes a category reference and refuses bidi and control characters", () => {
    expect(CategoryRefSchema.parse(" Customer\u00a0Support ")).toBe("Customer Support");
    expect(CategoryRefSchema.safeParse("customer-support\u202e").success).toBe(false);
    expect(CategoryRefSchema.safeParse("sales\u0000").success).toBe(false);
  });
});

describe("cleaning stored data (the backfill)", () => {
  it("turns forbidden characters into spaces, and falls back when nothing visible is left", () => {
    expect(cleanName("Bell\u0007Bot\n", "x")).toBe("Bell Bot");
    expect(cleanName("\u200b\u200b", "Untitled agent")).toBe("Untitled agent");
  });

  it("splits tags at commas, drops non-strings and empties, keeps 20", () => {
    expect(cleanTags(["A,B", " x\u00a0 y ", "b", 3, "\u200b"])).toEqual(["a", "b", "x y"]);
    expect(cleanTags(Array.from({ length: 30 }, (_, i) => `t${i}`))).toHaveLength(20);
    expect(cleanTags("not an array")).toEqual([]);
  });
});
