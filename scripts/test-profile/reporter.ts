// A Vitest reporter for `npm run test:profile` (issue 25 item 1): where the suite's time goes.
// After the run it prints the 20 slowest files and tests and how the time splits between setting
// up (the local stack, each file's runner start, imports, hooks) and the test bodies (render.ts).
// Vitest's own diagnostics give the per-file figures; the stack's start-up comes from
// test/global-setup.ts through `recordStackTimings`, which runs in this same process. With
// PROFILE_TIMELINE=1 it also prints when each file ran, and on which runner slot.
import type { Reporter, TestModule, Vitest } from "vitest/node";
import { renderProfile, type FileRow, type TestRow } from "./render";
import { readStackTimings } from "./timings";

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
    const root = this.vitest.config.root;
    const stack = readStackTimings();
    const files: FileRow[] = [];
    const tests: TestRow[] = [];
    let passed = 0;
    let failed = 0;
    // A runner slot (Vitest's concurrency id, shared by the projects) runs one file at a time; the
    // time from the slot's previous file ending (or the stack being ready) to this file being
    // handed to a runner is the runner's start-up.
    const slotFree = new Map<number, number>();
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
        const state = test.result().state;
        if (state === "passed") passed += 1;
        if (state === "failed") failed += 1;
      }
      const queued = this.queuedAt.get(module.id) ?? this.started;
      const ended = this.endedAt.get(module.id) ?? queued;
      const free = Math.max(slotFree.get(diagnostic.concurrencyId) ?? this.started, stack?.readyAt ?? this.started);
      slotFree.set(diagnostic.concurrencyId, ended);
      if (process.env.PROFILE_TIMELINE) {
        this.vitest.logger.log(`slot ${diagnostic.concurrencyId} ${((queued - this.started) / 1000).toFixed(1)}–${((ended - this.started) / 1000).toFixed(1)} s ${file}`);
      }
      files.push({
        file,
        project: module.project.name,
        tests: count,
        start: Math.max(0, queued - free) + diagnostic.environmentSetupDuration + diagnostic.prepareDuration + diagnostic.setupDuration,
        imports: diagnostic.collectDuration,
        hooks: Math.max(0, diagnostic.duration - bodies),
        bodies,
      });
    }
    this.vitest.logger.log(renderProfile({ files, tests, stack, wall: Date.now() - this.started, passed, failed }));
  }
}
