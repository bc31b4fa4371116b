// The tables `npm run test:profile` prints (issue 25 item 1), from what the reporter collected.
import type { StackTimings } from "./timings";

/** One test file's time, in ms. */
export interface FileRow {
  file: string;
  project: string;
  tests: number;
  /** Runner start-up before the file's own code: waiting for a runner (a new workerd and module runner for an isolated file), environment and harness. */
  start: number;
  /** Importing the test file and what it imports (the app, inside workerd). */
  imports: number;
  /** Hooks (beforeAll, afterAll: fixtures, per-file stacks) and time between tests. */
  hooks: number;
  /** The test bodies (each test's own duration, with its beforeEach/afterEach). */
  bodies: number;
}

export interface TestRow {
  name: string;
  file: string;
  /** The test's own duration with its beforeEach/afterEach, in ms. */
  ms: number;
}

export interface Profile {
  files: FileRow[];
  tests: TestRow[];
  /** The local stack's start-up, once per run (absent when the run started none). */
  stack?: StackTimings;
  /** The whole run, in ms. */
  wall: number;
  passed: number;
  failed: number;
}

/** How many files and tests the tables list. */
export const SLOWEST = 20;

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const share = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(0)} %` : "-");
const fileWall = (row: FileRow) => row.start + row.imports + row.hooks + row.bodies;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * The report: the SLOWEST files (wall = start + imports + hooks + bodies) and tests, then where the
 * time goes, summed over files (so more than the wall time when files run side by side): the
 * stack's start-up and its parts, each file's runner start, imports and hooks, against the test
 * bodies. Seconds, one decimal; shares of the sum.
 */
export function renderProfile(profile: Profile): string {
  const { files, tests, stack } = profile;
  const sum = (pick: (row: FileRow) => number) => files.reduce((total, row) => total + pick(row), 0);
  const total = { start: sum((r) => r.start), imports: sum((r) => r.imports), hooks: sum((r) => r.hooks), bodies: sum((r) => r.bodies) };
  const whole = total.start + total.imports + total.hooks + total.bodies + (stack?.total ?? 0);

  const out: string[] = [];
  out.push("", `== test profile: ${files.length} files, ${tests.length} tests (${profile.passed} passed, ${profile.failed} failed), ${seconds(profile.wall)} s wall ==`, "");
  out.push(`The ${SLOWEST} slowest files (seconds; start = runner start-up before the file's code, imports = loading the file and the app, hooks = beforeAll/afterAll):`);
  out.push(
    table(
      ["file", "project", "tests", "wall", "start", "imports", "hooks", "bodies"],
      [...files]
        .sort((a, b) => fileWall(b) - fileWall(a))
        .slice(0, SLOWEST)
        .map((r) => [r.file, r.project, String(r.tests), seconds(fileWall(r)), seconds(r.start), seconds(r.imports), seconds(r.hooks), seconds(r.bodies)]),
    ),
  );
  out.push("", `The ${SLOWEST} slowest tests (seconds, the test's own duration with its beforeEach/afterEach):`);
  out.push(
    table(
      ["test", "file", "s"],
      [...tests]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, SLOWEST)
        .map((t) => [t.name.length > 90 ? `${t.name.slice(0, 87)}...` : t.name, t.file, seconds(t.ms)]),
    ),
  );
  out.push("", "Where the time goes (seconds summed over every file, so more than the wall time when files run side by side):");
  const rows: string[][] = [];
  if (stack) {
    rows.push(["stack start (once per run)", seconds(stack.total), share(stack.total, whole)]);
    let parts = 0;
    for (const [part, ms] of Object.entries(stack.parts)) {
      rows.push([`  of which ${part}`, seconds(ms), share(ms, whole)]);
      parts += ms;
    }
    rows.push(["  of which the stack's process and keys", seconds(stack.total - parts), share(stack.total - parts, whole)]);
  }
  rows.push(["runner start per file", seconds(total.start), share(total.start, whole)]);
  rows.push(["imports per file", seconds(total.imports), share(total.imports, whole)]);
  rows.push(["hooks (fixtures, per-file stacks)", seconds(total.hooks), share(total.hooks, whole)]);
  rows.push(["test bodies", seconds(total.bodies), share(total.bodies, whole)]);
  rows.push(["setup against bodies", `${seconds(whole - total.bodies)} : ${seconds(total.bodies)}`, share(whole - total.bodies, whole)]);
  out.push(table(["part", "s", "share"], rows), "");
  return out.join("\n");
}
