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

describe("updateTarget's options (design.md §39; issue 30 item 2)", () => {
  type V = { version: string; reviewStatus: "approved" | "pending" | "rejected"; status: "active" | "deprecated" | "yanked" | "quarantined" | "revoked"; approvedAt?: Date };
  const v = (version: string, status: V["status"] = "active", approvedAt?: Date): V => ({ version, reviewStatus: "approved", status, approvedAt });
  const day = (n: number) => new Date(Date.UTC(2026, 0, n));
  const versions = [v("1.0.0"), v("1.0.1"), v("1.1.0"), v("1.2.0-beta.1"), v("2.0.0"), v("2.1.0-rc.1")];

  it("strategy latest, minor and patch bound how far the target moves", () => {
    expect(updateTarget(active("1.0.0"), versions)?.version).toBe("2.0.0");
    expect(updateTarget(active("1.0.0"), versions, { strategy: "latest" })?.version).toBe("2.0.0");
    expect(updateTarget(active("1.0.0"), versions, { strategy: "minor" })?.version).toBe("1.1.0");
    expect(updateTarget(active("1.0.0"), versions, { strategy: "patch" })?.version).toBe("1.0.1");
    expect(updateTarget(active("1.0.1"), versions, { strategy: "patch" })).toBeUndefined();
  });

  it("includePrereleases offers any newer pre-release, within the strategy", () => {
    expect(updateTarget(active("2.0.0"), versions)).toBeUndefined();
    expect(updateTarget(active("2.0.0"), versions, { includePrereleases: true })?.version).toBe("2.1.0-rc.1");
    expect(updateTarget(active("1.1.0"), versions, { includePrereleases: true, strategy: "minor" })?.version).toBe("1.2.0-beta.1");
    expect(updateTarget(active("1.1.0"), versions, { includePrereleases: true, strategy: "patch" })).toBeUndefined();
  });

  it("a pre-release install: the newest pre-release of its major.minor.patch, or any newer stable (the issue's example)", () => {
    const example = [v("1.0.0"), v("2.0.0-beta.1"), v("2.0.0-beta.2")];
    expect(updateTarget(active("2.0.0-beta.1"), example)?.version).toBe("2.0.0-beta.2");
    expect(updateTarget(active("2.0.0-beta.2"), example)).toBeUndefined();
    expect(updateTarget(active("2.0.0-beta.1"), [...example, v("2.0.1")])?.version).toBe("2.0.1");
  });

  it("allowed: manual offers take active and deprecated, policies active only; never yanked, quarantined, revoked or unapproved", () => {
    const mixed = [v("1.0.0"), v("1.1.0", "deprecated"), v("1.2.0", "yanked"), v("1.3.0", "quarantined"), v("1.4.0", "revoked"), { ...v("1.5.0"), reviewStatus: "pending" as const }];
    expect(updateTarget(active("1.0.0"), mixed)?.version).toBe("1.1.0");
    expect(updateTarget(active("1.0.0"), mixed, { allowed: ["active"] })).toBeUndefined();
  });

  it("approvedBefore (a policy's cooldown) skips recent versions, except when leaving an unsafe version, which may go down within the strategy", () => {
    const timed = [v("1.0.0", "active", day(1)), v("1.1.0", "active", day(5)), v("1.2.0", "active", day(20))];
    expect(updateTarget(active("1.0.0"), timed, { approvedBefore: day(10) })?.version).toBe("1.1.0");
    expect(updateTarget(active("1.0.0"), timed, { approvedBefore: day(2) })).toBeUndefined();
    // Leaving a yanked version ignores the cooldown.
    expect(updateTarget({ version: "1.0.0", status: "yanked" }, timed, { approvedBefore: day(2), allowed: ["active"] })?.version).toBe("1.2.0");
    // The top version yanked: a policy goes down to the highest active one within the strategy; a manual offer does not.
    const topYanked = [v("1.0.0", "active", day(1)), v("1.1.0", "active", day(5)), v("2.0.0", "active", day(6)), v("2.1.0", "yanked", day(7))];
    expect(updateTarget({ version: "2.1.0", status: "yanked" }, topYanked, { approvedBefore: day(30), allowed: ["active"], strategy: "minor" })?.version).toBe("2.0.0");
    expect(updateTarget({ version: "2.1.0", status: "yanked" }, topYanked)).toBeUndefined();
  });
});
