import { beforeAll } from "vitest";
import { isolateCaches } from "../../src/lib/isolate-caches";

// Runs before each test file of the Workers projects (vitest.config.ts setupFiles). Those projects
// reuse one isolate for many files, so every isolate-scope cache is emptied first: a file starts
// as it would in a fresh isolate (design.md §47).
beforeAll(() => isolateCaches.clear());
