import { describe, expect, it } from "vitest";
import { bumpPatch, compareSemver, highestVersion } from "../../src/domain/semver";

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
});
