import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/stack/paths";
import { MEMORY_TIER_FILES, SERIAL_FILES } from "../suite-layout";

// Issue 25: Workers test files run side by side, and any approval or removal replaces the catalog
// generation that catalog pages and assembled contexts are cached under. A file asserting a cache
// hit of either must run alone (test/suite-layout.ts SERIAL_FILES), or a file running beside it
// turns the hit into a miss now and then.

/** Assertions of a cache hit: an X-Cache header, or the tier an assembled context came from. */
const CACHE_HIT = /toBe\("hit"\)|source: "(memory|redis)"|\.toBe\("(memory|redis)"\)/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ["node", "browser"].includes(entry.name) && dir.endsWith("test") ? [] : testFiles(path);
    return entry.name.endsWith(".test.ts") ? [relative(PROJECT_ROOT, path)] : [];
  });
}

describe("the suite's layout (test/suite-layout.ts)", () => {
  it("runs every Workers test file that asserts a cache hit alone, after the others", () => {
    const asserting = testFiles(join(PROJECT_ROOT, "test")).filter((file) => CACHE_HIT.test(readFileSync(join(PROJECT_ROOT, file), "utf8")));
    expect(asserting.length).toBeGreaterThan(3);
    expect(asserting.filter((file) => !SERIAL_FILES.includes(file) && !MEMORY_TIER_FILES.includes(file))).toEqual([]);
  });

  it("lists only files that exist", () => {
    const all = testFiles(join(PROJECT_ROOT, "test"));
    expect([...SERIAL_FILES, ...MEMORY_TIER_FILES].filter((file) => !all.includes(file))).toEqual([]);
  });
});
