import { describe, expect, it } from "vitest";
import { defaultNextVersion, listedRelease, releasesBetween, updateTarget, versionRefusal } from "../../src/domain/releases";

const r = (...versions: string[]) => versions.map((version) => ({ version, reviewStatus: "approved" as const, status: "active" as const }));
const active = (version: string) => ({ version, status: "active" as const });

describe("listed version (design.md §2)", () => {
  it("is the highest stable version, pre-releases only when nothing is stable", () => {
    expect(listedRelease(r("1.0.0", "1.1.0-beta.1"))?.version).toBe("1.0.0");
    expect(listedRelease(r("1.0.0", "1.1.0-beta.1", "1.0.1"))?.version).toBe("1.0.1");
    expect(listedRelease(r("1.0.0-beta.1", "1.0.0-beta.2"))?.version).toBe("1.0.0-beta.2");
    expect(listedRelease(r("1.0.0+b.2", "0.9.0"))?.version).toBe("1.0.0+b.2");
    expect(listedRelease([])).toBeUndefined();
  });
});

describe("submitting versions", () => {
  const used = [
    { version: "1.0.0", reviewStatus: "approved" as const },
    { version: "2.0.0", reviewStatus: "rejected" as const },
    { version: "1.1.0-beta.1", reviewStatus: "approved" as const },
  ];

  it("accepts any unused number, lower ones included, and says why a used one is refused", () => {
    expect(versionRefusal("1.0.1", used)).toBeNull();
    expect(versionRefusal("0.9.0", used)).toBeNull();
    expect(versionRefusal("2.0.0", used)).toMatch(/2\.0\.0 was used by a rejected submission/);
    expect(versionRefusal("1.0.0+build.1", used)).toMatch(/equals 1\.0\.0 \(build metadata is ignored\)/);
  });

  it("defaults to the patch after the highest stable number ever used", () => {
    expect(defaultNextVersion(used)).toBe("2.0.1");
    expect(defaultNextVersion(r("1.0.0-beta.1"))).toBe("1.0.0");
    expect(defaultNextVersion([])).toBe("1.0.0");
  });
});

describe("updates", () => {
  const approved = r("1.0.0", "1.0.1", "1.1.0-beta.1", "1.1.0-beta.2", "2.0.0-rc.1");

  it("offers the highest stable version to a stable install, never a pre-release", () => {
    expect(updateTarget(active("1.0.0"), approved)?.version).toBe("1.0.1");
    expect(updateTarget(active("1.0.1"), approved)).toBeUndefined();
    expect(updateTarget(active("1.0.1+build.3"), approved)).toBeUndefined();
  });

  it("offers a pre-release install newer pre-releases of its line, and the release when it exists", () => {
    expect(updateTarget(active("1.1.0-beta.1"), approved)?.version).toBe("1.1.0-beta.2");
    expect(updateTarget(active("1.1.0-beta.2"), approved)).toBeUndefined();
    expect(updateTarget(active("1.1.0-beta.2"), [...approved, ...r("1.1.0")])?.version).toBe("1.1.0");
    // 2.0.0-rc.1 is another line, and 1.0.1 is lower than the installed pre-release.
    expect(updateTarget(active("1.1.0-beta.1"), r("1.0.1", "2.0.0-rc.1"))).toBeUndefined();
  });

  it("lists the releases after the installed one up to the target, newest first", () => {
    expect(releasesBetween("1.0.0", "1.1.0", r("1.0.0", "1.0.1", "1.1.0-beta.1", "1.1.0", "2.0.0")).map((x) => x.version)).toEqual([
      "1.1.0",
      "1.1.0-beta.1",
      "1.0.1",
    ]);
  });
});
