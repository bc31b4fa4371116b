#!/usr/bin/env node
// `npx marketplace …` in a clone: the CLI is TypeScript run through tsx (a devDependency), so there
// is no build step and nothing of it reaches the worker bundle.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv);
