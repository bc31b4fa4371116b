import { describe, expect, it } from "vitest";
import { checkBundle } from "../../src/domain/bundle-check";
import { NO_PERMISSIONS } from "../../src/domain/permissions";
import { scanBundle } from "../../src/domain/plugin-scan";
import { readZip } from "../../src/domain/plugin-zip";
import { demoPluginZip, DEMO_PLUGINS } from "../../scripts/seed/demo-plugins";

/** The demo bundles go through the same reading, manifest check and scan as an upload (src/domain/bundle-check.ts). */
function pipeline(folder: string) {
  const files = readZip(demoPluginZip(folder));
  return { files, checked: checkBundle(files) };
}

describe("demo plugin bundles built from the repo", () => {
  it("are both valid uploads", () => {
    for (const { folder } of DEMO_PLUGINS) {
      const { checked } = pipeline(folder);
      expect(checked.ok && checked.manifest.slug).toBe(folder);
    }
  });

  it("declare their permissions (issue 28 item 7) and scan safe with them", () => {
    const review = pipeline("pr-review-kit").checked;
    const notes = pipeline("release-notes-helper").checked;
    expect(review.ok && review.permissions).toEqual({ ...NO_PERMISSIONS, tools: ["github"] });
    expect(notes.ok && notes.permissions).toEqual({ ...NO_PERMISSIONS, network: ["api.github.com"], tools: ["github"] });
    expect(review.ok && review.scan.verdict).toBe("safe");
    expect(notes.ok && notes.scan.verdict).toBe("safe");
  });

  it("without its declared host, the release-notes tool's call is an undeclared capability held for review", () => {
    const scan = scanBundle(pipeline("release-notes-helper").files, { permissions: NO_PERMISSIONS });
    expect(scan.verdict).toBe("review_required");
    expect(scan.findings).toEqual([expect.objectContaining({ rule_id: "undeclared_capability", file: "tools/fetch-merged-prs.js", line: 3 })]);
    expect(scan.findings[0]!.message).toContain("api.github.com");
  });
});
