import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/stack/paths";

// House style and issue 27 item 1: shared vocabularies (item types, review and version statuses,
// the semver pattern, event types) live in src/domain and the database schema imports them, never
// the other way round; routes reach SQL only through services. This reads the sources' imports.

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** `file → import specifier` for every import (type-only ones included) of `dir`'s files matching `pattern`. */
function importsMatching(dir: string, pattern: RegExp): string[] {
  return sources(join(PROJECT_ROOT, dir)).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/gm)]
      .map((m) => m[1]!)
      .filter((specifier) => pattern.test(specifier))
      .map((specifier) => `${relative(PROJECT_ROOT, file)} → ${specifier}`),
  );
}

describe("layering", () => {
  it("no route or domain file imports the database schema", () => {
    expect(importsMatching("src/routes", /db\/schema/)).toEqual([]);
    expect(importsMatching("src/domain", /db\/schema|\.\.\/db\//)).toEqual([]);
  });

  it("no route imports a query module (routes reach SQL through services)", () => {
    expect(importsMatching("src/routes", /db\/queries/)).toEqual([]);
  });

  it("the schema takes its vocabularies from src/domain", () => {
    const schemaImports = importsMatching("src/db/schema", /domain\//).map((line) => line.split(" → ")[1]);
    expect(schemaImports).toEqual(expect.arrayContaining(["../../domain/item-types", "../../domain/version-status", "../../domain/version-pattern", "../../domain/events"]));
  });
});
