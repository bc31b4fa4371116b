import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/stack/paths";

// design.md §47: every isolate-scope cache registers in src/lib/isolate-caches.ts, so that the
// Workers test projects, which reuse one isolate for many files, can empty them all before each
// file. This reads the worker's sources for module-scope state that is not registered: a `let` or
// `var`, or a `const` holding a new object (a Map or Set only when the file changes it).

const SRC = join(PROJECT_ROOT, "src");

/** Module-scope bindings that hold no cached data, and why. */
const NOT_CACHES: Record<string, string> = {
  "src/index.ts app": "the app is code only (routes and middleware), built the same way by every isolate",
  "src/lib/isolate-caches.ts clearers": "the registry itself",
  "src/services/catalog-cache.ts catalogReads": "the cached catalog routes' schemas, registered as their modules load: code, the same in every isolate",
  "src/domain/tokens.ts uncertain": "a regular expression compiled once from a constant of the bundle and the engine's Unicode tables",
  "src/domain/tokens.ts decoded": "the token tables decoded once from constants in the bundle: the same in every isolate, never data from a request",
  "src/domain/scan/normalize.ts foldCache":
    "a memo of a pure function of one character (its confusable skeleton), at most 10,000 entries: the same answer in every isolate, so clearing it changes no result",
  "src/domain/scan/rules.ts globalPatterns": "global copies of the scanner's constant regular expressions, keyed by the constant itself: code, not data",
};

/** Constructors whose instances hold no data between calls. */
const STATELESS = new Set(["RegExp", "TextEncoder", "TextDecoder"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** `file name` of every module-scope binding that holds state. */
function moduleState(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:export )?(let|var|const) ([A-Za-z_$][\w$]*)(?::[^=\n]*?)?(?: = (.*?))?;?$/gm)) {
    const [, kind, name, init = ""] = match as unknown as [string, string, string, string | undefined];
    const constructor = /^new ([A-Za-z_$][\w$]*)/.exec(init)?.[1];
    let state = kind !== "const";
    if (constructor && !STATELESS.has(constructor)) {
      state = constructor === "Map" || constructor === "Set" ? new RegExp(`\\b${name}\\.(set|add|delete|clear)\\(`).test(text) : true;
    }
    if (state) found.push(`${relative(PROJECT_ROOT, file)} ${name}`);
  }
  return found;
}

/** True when the file registers a clearer that names `name` (a call at module scope runs to the next top-level line). */
function registers(text: string, name: string): boolean {
  return [...text.matchAll(/^isolateCaches\.register\((.*?)(?=\n\S|$(?![\s\S]))/gms)].some((call) => new RegExp(`\\b${name}\\b`).test(call[1]!));
}

describe("isolate-scope caches (design.md §47)", () => {
  it("every module-scope binding that holds state in src/ is registered in isolateCaches (or listed with why it is not a cache)", () => {
    const unregistered: string[] = [];
    const seen: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, "utf8");
      for (const binding of moduleState(file, text)) {
        seen.push(binding);
        const name = binding.split(" ")[1]!;
        if (!NOT_CACHES[binding] && !registers(text, name)) unregistered.push(binding);
      }
    }
    expect(unregistered).toEqual([]);
    // The scan finds the caches it exists for (it would pass vacuously on a broken pattern).
    expect(seen).toEqual(expect.arrayContaining(["src/services/auth/authenticate.ts keyFacts", "src/services/plugins/context-memory.ts isolateMemory", "src/index.ts app"]));
  });

  it("flags an unregistered module-scope Map that a file fills, and a let", () => {
    const text = "const cache = new Map<string, string>();\nexport function put(k: string) { cache.set(k, k); }\nlet hits = 0;\nconst WORDS = new Set(['a']);\n";
    expect(moduleState(join(SRC, "example.ts"), text)).toEqual(["src/example.ts cache", "src/example.ts hits"]);
    expect(registers(text, "cache")).toBe(false);
    expect(registers(`${text}isolateCaches.register("example", () => cache.clear());\n`, "cache")).toBe(true);
    expect(registers(`${text}isolateCaches.register("example", () => {\n  hits = 0;\n  cache.clear();\n});\nconst after = 1;\n`, "cache")).toBe(true);
  });
});
