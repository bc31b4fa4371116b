import { describe, expect, it } from "vitest";
import { renderProfile, SLOWEST, type FileRow } from "../../scripts/test-profile/render";

// `npm run test:profile` (issue 25 item 1): the slowest files and tests, and the share of setup
// against test bodies, from what the reporter collected.

const file = (name: string, ms: Partial<FileRow>): FileRow => ({ file: name, project: "workers", tests: 1, start: 0, imports: 0, hooks: 0, bodies: 0, ...ms });

describe("renderProfile", () => {
  it("lists the slowest files by start + imports + hooks + bodies, and the slowest tests, slowest first, at most 20 each", () => {
    const files = Array.from({ length: 25 }, (_, i) => file(`test/f${i}.test.ts`, { bodies: i * 1000 }));
    files.push(file("test/setup-heavy.test.ts", { start: 30_000, imports: 1_000, hooks: 2_000, bodies: 500 }));
    const tests = Array.from({ length: 30 }, (_, i) => ({ name: `t${i}`, file: "test/f.test.ts", ms: i * 100 }));
    const text = renderProfile({ files, tests, wall: 60_000, passed: 30, failed: 0 });
    const fileLines = text.split("\n").filter((line) => /^test\/\S+\.test\.ts /.test(line));
    expect(fileLines).toHaveLength(SLOWEST);
    expect(fileLines[0]).toMatch(/^test\/setup-heavy\.test\.ts\s+workers\s+1\s+33\.5\s+30\.0\s+1\.0\s+2\.0\s+0\.5$/);
    expect(fileLines[1]).toMatch(/^test\/f24\.test\.ts /);
    const testLines = text.split("\n").filter((line) => /^t\d+ /.test(line));
    expect(testLines).toHaveLength(SLOWEST);
    expect(testLines[0]).toMatch(/^t29\s+test\/f\.test\.ts\s+2\.9$/);
    expect(text).toContain("26 files, 30 tests (30 passed, 0 failed), 60.0 s wall");
  });

  it("splits the time into the stack's parts, runner start, imports, hooks and bodies, with shares of the sum", () => {
    const text = renderProfile({
      files: [file("test/a.test.ts", { start: 1_000, imports: 2_000, hooks: 1_000, bodies: 4_000 })],
      tests: [],
      stack: { total: 2_000, readyAt: 0, parts: { database: 1_200, migrations: 300 } },
      wall: 10_000,
      passed: 0,
      failed: 0,
    });
    const row = (label: string) => text.split("\n").find((line) => line.startsWith(label))!.replace(/\s+/g, " ");
    // The sum is 10 s: the stack's 2 s and the file's 8 s.
    expect(row("stack start")).toBe("stack start (once per run) 2.0 20 %");
    expect(row("  of which database")).toBe(" of which database 1.2 12 %");
    expect(row("  of which migrations")).toBe(" of which migrations 0.3 3 %");
    expect(row("  of which the stack's process")).toBe(" of which the stack's process and keys 0.5 5 %");
    expect(row("runner start per file")).toBe("runner start per file 1.0 10 %");
    expect(row("imports per file")).toBe("imports per file 2.0 20 %");
    expect(row("hooks")).toBe("hooks (fixtures, per-file stacks) 1.0 10 %");
    expect(row("test bodies")).toBe("test bodies 4.0 40 %");
    expect(row("setup against bodies")).toBe("setup against bodies 6.0 : 4.0 60 %");
  });
});
