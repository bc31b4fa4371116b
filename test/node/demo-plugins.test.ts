import { describe, expect, it } from "vitest";
import { validateManifest } from "../../src/domain/plugin-manifest";
import { scanBundle } from "../../src/domain/plugin-scan";
import { readZip } from "../../src/domain/plugin-zip";
import { demoPluginZip, DEMO_PLUGINS } from "../../scripts/seed/demo-plugins";

/** The demo bundles go through the same reading, validation and scan as an upload. */
function pipeline(folder: string) {
  const files = readZip(demoPluginZip(folder));
  const manifest = validateManifest(new Map(files.map((f) => [f.path, f.bytes])));
  return { manifest, scan: scanBundle(files) };
}

describe("demo plugin bundles built from the repo", () => {
  it("are both valid uploads", () => {
    for (const { folder } of DEMO_PLUGINS) {
      const { manifest } = pipeline(folder);
      expect(manifest.ok && manifest.manifest.slug).toBe(folder);
    }
  });

  it("the clean one scans safe; the other needs review for its network call", () => {
    expect(pipeline("pr-review-kit").scan.verdict).toBe("safe");
    const flagged = pipeline("release-notes-helper").scan;
    expect(flagged.verdict).toBe("review_required");
    expect(flagged.rules_hit).toEqual(["network-call"]);
  });
});
