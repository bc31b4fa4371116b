import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { zipSync, type Zippable } from "fflate";

/** Two demo plugin bundles built from files in the repo (issue 14 item 5): one clean, one with findings. */
export const DEMO_PLUGIN_DIR = join(import.meta.dirname, "plugins");

export const DEMO_PLUGINS = [
  { folder: "pr-review-kit", approve: true },
  { folder: "release-notes-helper", approve: false },
] as const;

function filesUnder(root: string, dir = root): Zippable {
  const out: Zippable = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, filesUnder(root, path));
    else out[relative(root, path).split("\\").join("/")] = new Uint8Array(readFileSync(path));
  }
  return out;
}

/** The zip of one demo plugin folder, as an admin would upload it. */
export function demoPluginZip(folder: string): Uint8Array {
  return zipSync(filesUnder(join(DEMO_PLUGIN_DIR, folder)));
}
