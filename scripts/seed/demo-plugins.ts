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

const DEMO_ADMIN = { clerkUserId: "user_demo_plugin_admin", name: "Demo Plugin Admin" };

/**
 * Loads the demo plugins through the running API, i.e. the real upload pipeline (R2 included):
 * once, when no plugin exists yet. The uploader is a dev-only platform admin whose role is set in
 * the database, as design.md §11 requires.
 */
export async function loadDemoPlugins(
  apiUrl: string,
  deps: { anyPlugin: () => Promise<boolean>; ensureAdmin: (user: typeof DEMO_ADMIN) => Promise<void>; token: (sub: string) => Promise<string> },
): Promise<number> {
  if (await deps.anyPlugin()) return 0;
  await deps.ensureAdmin(DEMO_ADMIN);
  const headers = { Authorization: `Bearer ${await deps.token(DEMO_ADMIN.clerkUserId)}` };
  let loaded = 0;
  for (const { folder, approve } of DEMO_PLUGINS) {
    const form = new FormData();
    form.append("file", new File([demoPluginZip(folder)], `${folder}.zip`, { type: "application/zip" }));
    const response = await fetch(`${apiUrl}/api/admin/plugins/upload`, { method: "POST", headers, body: form });
    if (response.status !== 201) throw new Error(`demo plugin ${folder}: upload answered ${response.status} ${await response.text()}`);
    const { plugin_id } = (await response.json()) as { plugin_id: string };
    if (approve) {
      const approved = await fetch(`${apiUrl}/api/admin/plugins/${plugin_id}/approve`, { method: "POST", headers });
      if (approved.status !== 200) throw new Error(`demo plugin ${folder}: approve answered ${approved.status}`);
    }
    loaded++;
  }
  return loaded;
}
