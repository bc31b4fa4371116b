// A Vitest reporter for `npm run test:profile` (issue 25 item 1): where the suite's time goes.
// It prints, after the run, the 20 slowest files and the 20 slowest tests, and how the time
// splits between setting up (the local stack, each file's runner start, imports, hooks) and the
// test bodies themselves. Vitest's own diagnostics give the per-file figures; the stack's
// start-up comes from test/global-setup.ts through `recordStackTimings`, which runs in this same
// process.
import type { Reporter, TestModule, Vitest } from "vitest/node";
import { readStackTimings } from "./timings";

interface FileRow {
  file: string;
  project: string;
  tests: number;
  /** The file's runner start, imports, hooks and tests, in ms. */
  wall: number;
  /** Runner start-up before the file's own code: environment and harness, in ms. */
  start: number;
  /** Importing the test file and what it imports (the app, inside workerd), in ms. */
  imports: number;
  /** Hooks (beforeAll, afterAll) and time between tests, in ms. */
  hooks: number;
  /** The test bodies (each test's own duration, with its beforeEach/afterEach), in ms. */
  bodies: number;
}

interface TestRow {
  name: string;
  file: string;
  ms: number;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const share = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(0)} %` : "-");

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), pad(widths.map((w) => "-".repeat(w)), widths), ...rows.map((r) => pad(r, widths))].join("\n");
}

export default class ProfileReporter implements Reporter {
  private vitest!: Vitest;
  private started = 0;
  private queuedAt = new Map<string, number>();
  private endedAt = new Map<string, number>();

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.started = Date.now();
  }

  onTestModuleQueued(module: TestModule): void {
    this.queuedAt.set(module.id, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.endedAt.set(module.id, Date.now());
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const wall = Date.now() - this.started;
    const root = this.vitest.config.root;
    const stack = readStackTimings();
    const files: FileRow[] = [];
    const tests: TestRow[] = [];
    // A runner slot (Vitest's concurrency id, shared by the projects, which take turns) runs one
    // file at a time; the time from the slot's previous file ending (or the stack being ready) to
    // this file being handed to a runner is the runner's start-up: with isolated files, a new
    // workerd and module runner for each file.
    const slotFree = new Map<string, number>();
    const ordered = [...modules].sort((a, b) => (this.queuedAt.get(a.id) ?? 0) - (this.queuedAt.get(b.id) ?? 0));
    for (const module of ordered) {
      const file = module.moduleId.startsWith(root) ? module.moduleId.slice(root.length + 1) : module.moduleId;
      const diagnostic = module.diagnostic();
      let bodies = 0;
      let count = 0;
      for (const test of module.children.allTests()) {
        const ms = test.diagnostic()?.duration ?? 0;
        bodies += ms;
        count += 1;
        tests.push({ name: test.fullName, file, ms });
      }
      const slot = String(diagnostic.concurrencyId);
      const queued = this.queuedAt.get(module.id) ?? this.started;
      const ended = this.endedAt.get(module.id) ?? queued;
      const free = Math.max(slotFree.get(slot) ?? this.started, stack?.readyAt ?? this.started);
      slotFree.set(slot, ended);
      if (process.env.PROFILE_TIMELINE) console.log(`TL ${slot} ${((queued - this.started) / 1000).toFixed(1)} ${((ended - this.started) / 1000).toFixed(1)} ${file}`);
      const start = Math.max(0, queued - free) + diagnostic.environmentSetupDuration + diagnostic.prepareDuration + diagnostic.setupDuration;
      files.push({
        file,
        project: module.project.name,
        tests: count,
        wall: start + diagnostic.collectDuration + diagnostic.duration,
        start,
        imports: diagnostic.collectDuration,
        hooks: Math.max(0, diagnostic.duration - bodies),
        bodies,
      });
    }
    const sum = (pick: (row: FileRow) => number) => files.reduce((total, row) => total + pick(row), 0);
    const total = { start: sum((r) => r.start), imports: sum((r) => r.imports), hooks: sum((r) => r.hooks), bodies: sum((r) => r.bodies) };
    const fileTime = total.start + total.imports + total.hooks + total.bodies;
    const stackMs = stack?.total ?? 0;
    const whole = fileTime + stackMs;

    const states = modules.flatMap((module) => [...module.children.allTests()].map((test) => test.result().state));
    const passed = states.filter((state) => state === "passed").length;
    const failed = states.filter((state) => state === "failed").length;
    const out: string[] = [];
    out.push("", `== test profile: ${files.length} files, ${tests.length} tests (${passed} passed, ${failed} failed), ${seconds(wall)} s wall ==`, "");
    out.push("The 20 slowest files (seconds; start = runner start-up before the file's code, imports = loading the file and the app, hooks = beforeAll/afterAll):");
    out.push(
      table(
        ["file", "project", "tests", "wall", "start", "imports", "hooks", "bodies"],
        [...files]
          .sort((a, b) => b.wall - a.wall)
          .slice(0, 20)
          .map((r) => [r.file, r.project, String(r.tests), seconds(r.wall), seconds(r.start), seconds(r.imports), seconds(r.hooks), seconds(r.bodies)]),
      ),
    );
    out.push("", "The 20 slowest tests (seconds, the test's own duration with its beforeEach/afterEach):");
    out.push(
      table(
        ["test", "file", "s"],
        [...tests]
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 20)
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
    out.push(table(["part", "s", "share"], rows));
    out.push("");
    this.vitest.logger.log(out.join("\n"));
  }
}
