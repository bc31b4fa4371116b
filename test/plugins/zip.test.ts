import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readZip, unsafePathReason, ZipError } from "../../src/domain/plugin-zip";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ZipError ? error.code : "other";
  }
  return undefined;
}

describe("readZip limits", () => {
  it("reads stored and deflated entries, dropping directories", () => {
    const zip = zipSync({ "a.md": [strToU8("stored"), { level: 0 }], "dir/b.md": strToU8("deflated ".repeat(50)) });
    expect(readZip(zip).map((f) => [f.path, f.bytes.byteLength])).toEqual([["a.md", 6], ["dir/b.md", 450]]);
  });

  it("refuses a stored (uncompressed) file over 10 MiB", () => {
    const zip = zipSync({ "big.bin": [new Uint8Array(10 * 1024 * 1024 + 1), { level: 0 }] });
    expect(codeOf(() => readZip(zip))).toBe("zip_bomb");
  });

  it("refuses files that together pass 10 MiB", () => {
    const six = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 7919) & 0xff);
    const zip = zipSync({ "a.bin": [six, { level: 0 }], "b.bin": [six, { level: 0 }] });
    expect(codeOf(() => readZip(zip))).toBe("zip_bomb");
  });

  it("refuses an encrypted entry and a corrupt deflate stream as zip_invalid", () => {
    const zip = zipSync({ "a.md": strToU8("hello hello hello") });
    const encrypted = zip.slice();
    const view = new DataView(encrypted.buffer);
    for (let at = 0; at < encrypted.length - 4; at++) if (view.getUint32(at, true) === 0x02014b50) view.setUint16(at + 8, 1, true);
    expect(codeOf(() => readZip(encrypted))).toBe("zip_invalid");
    const corrupt = zip.slice();
    corrupt[30 + 4] = 0xff;
    corrupt[30 + 5] = 0xff;
    expect(codeOf(() => readZip(corrupt))).toBe("zip_invalid");
  });

  it("refuses an empty or truncated upload", () => {
    expect(codeOf(() => readZip(new Uint8Array(0)))).toBe("zip_invalid");
    const zip = zipSync({ "a.md": strToU8("hello") });
    expect(codeOf(() => readZip(zip.subarray(0, zip.length - 10)))).toBe("zip_invalid");
  });
});

describe("unsafePathReason", () => {
  it.each(["../x", "a/../../x", "/abs", "a\\b", "C:/x", "a//b", "./a", "a/\u0000b", ""])("refuses %j", (path) => {
    expect(unsafePathReason(path)).not.toBeNull();
  });
  it.each(["manifest.json", "skills/review/SKILL.md", "dir/", "a..b/c.md"])("accepts %j", (path) => {
    expect(unsafePathReason(path)).toBeNull();
  });
});
