import { describe, expect, it } from "vitest";
import { bumpPatch, compareSemver, highestVersion, isPrerelease, isSemver, parseSemver, sameRelease } from "../../src/domain/semver";

describe("semver", () => {
  it("orders versions by semver precedence, not as strings", () => {
    const sorted = ["1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-rc.1", "1.10.0", "1.2.0"]
      .sort(compareSemver);
    expect(sorted).toEqual(["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0"]);
    expect(compareSemver("1.0.0+build.1", "1.0.0+build.2")).toBe(0);
  });

  it("finds the highest and bumps the patch", () => {
    expect(highestVersion(["1.2.9", "1.10.0", "1.9.99"])).toBe("1.10.0");
    expect(highestVersion([])).toBeNull();
    expect(bumpPatch("1.2.9")).toBe("1.2.10");
    expect(bumpPatch("2.0.0-rc.1")).toBe("2.0.0");
  });

  it("refuses what is not a version", () => {
    expect(() => compareSemver("1.0", "1.0.0")).toThrow();
  });

  it("ranks a pre-release below its release and above the previous release", () => {
    expect(compareSemver("1.1.0-beta.1", "1.1.0")).toBe(-1);
    expect(compareSemver("1.1.0-beta.1", "1.0.1")).toBe(1);
    expect(compareSemver("2.0.0-rc.1", "2.0.0-rc.1")).toBe(0);
    // Numeric identifiers compare as numbers, alphanumeric ones in ASCII order, and numeric ones rank lower (§11.4).
    expect(compareSemver("1.0.0-rc.10", "1.0.0-rc.9")).toBe(1);
    expect(compareSemver("1.0.0-1", "1.0.0-alpha")).toBe(-1);
    expect(compareSemver("1.0.0-Beta", "1.0.0-alpha")).toBe(-1);
    expect(isPrerelease("1.1.0-beta.1")).toBe(true);
    expect(isPrerelease("1.1.0")).toBe(false);
    expect(highestVersion(["1.0.0", "1.1.0-beta.1", "1.0.1"])).toBe("1.1.0-beta.1");
    expect(sameRelease("2.0.0-rc.1", "2.0.0-rc.2")).toBe(true);
    expect(sameRelease("2.0.0-rc.1", "2.0.1-rc.1")).toBe(false);
  });

  it("ignores build metadata for precedence and for pre-release status", () => {
    expect(compareSemver("1.0.0+20260101", "1.0.0")).toBe(0);
    expect(compareSemver("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta")).toBe(0);
    expect(compareSemver("1.0.1+build.1", "1.0.0+build.9")).toBe(1);
    expect(isPrerelease("1.0.0+build.5")).toBe(false);
    expect(isPrerelease("1.0.0-rc.1+build.5")).toBe(true);
    // Of two versions equal by precedence, the first given stays the highest.
    expect(highestVersion(["1.0.0+a", "1.0.0+b"])).toBe("1.0.0+a");
    expect(bumpPatch("1.0.0+build.5")).toBe("1.0.1");
  });

  it("accepts only canonical version strings, as the database CHECK does", () => {
    for (const good of ["0.0.0", "1.2.3", "1.0.0-alpha.1", "1.0.0-x-y.0a", "1.0.0+build.1", "1.0.0-rc.1+build.1"]) {
      expect(isSemver(good), good).toBe(true);
    }
    for (const bad of ["1.0", "v1.0.0", "=1.0.0", " 1.0.0", "1.0.0 ", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "1.0.0-a..b", "99999999999999999999.0.0", ""]) {
      expect(isSemver(bad), bad).toBe(false);
    }
    expect(parseSemver("1.2.3-rc.1+b.7")).toMatchObject({ major: 1, minor: 2, patch: 3, prerelease: ["rc", 1], build: ["b", "7"] });
  });
});
