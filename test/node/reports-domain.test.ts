import { describe, expect, it } from "vitest";
import { dismissalCovers, normalizedReportText, reportTextRefusal } from "../../src/domain/reports";

describe("dismissalCovers (design.md §45)", () => {
  it("covers the same version, and the version-less form while the same version is listed, both ways", () => {
    expect(dismissalCovers({ version: "1.0.0", listedVersion: "1.0.0" }, { version: "1.0.0", listedVersionNow: "1.1.0" })).toBe(true);
    expect(dismissalCovers({ version: "1.0.0", listedVersion: "1.0.0" }, { version: null, listedVersionNow: "1.0.0" })).toBe(true);
    expect(dismissalCovers({ version: null, listedVersion: "1.0.0" }, { version: "1.0.0", listedVersionNow: "1.0.0" })).toBe(true);
    expect(dismissalCovers({ version: null, listedVersion: "1.0.0" }, { version: null, listedVersionNow: "1.0.0" })).toBe(true);
  });

  it("does not cover another version, or a version-less report once the listed version changed", () => {
    expect(dismissalCovers({ version: "1.0.0", listedVersion: "1.0.0" }, { version: "1.1.0", listedVersionNow: "1.1.0" })).toBe(false);
    expect(dismissalCovers({ version: "1.0.0", listedVersion: "1.0.0" }, { version: null, listedVersionNow: "1.1.0" })).toBe(false);
    expect(dismissalCovers({ version: null, listedVersion: "1.0.0" }, { version: null, listedVersionNow: "1.1.0" })).toBe(false);
    expect(dismissalCovers({ version: null, listedVersion: "1.0.0" }, { version: "1.1.0", listedVersionNow: "1.1.0" })).toBe(false);
  });
});

describe("report texts", () => {
  it("keeps line breaks only in multi-line text, trims each line, and is null when blank", () => {
    expect(normalizedReportText("  a  b \r\n\r\n c ", true)).toBe("a b\n\nc");
    expect(normalizedReportText(" \n ", true)).toBeNull();
    expect(normalizedReportText("  one   line ", false)).toBe("one line");
  });

  it("refuses control, zero-width and bidi characters, and line breaks in one-line text", () => {
    expect(reportTextRefusal("fine\nlines", true)).toBeNull();
    expect(reportTextRefusal("one\nline", false)).toMatch(/control/);
    expect(reportTextRefusal("tab\there", true)).toMatch(/U\+0009/);
    expect(reportTextRefusal("a\u200bb", true)).toMatch(/U\+200B/);
    expect(reportTextRefusal("x".repeat(2001), true)).toMatch(/2000/);
  });
});
