import { describe, expect, it } from "vitest";
import { problemLine } from "../../cli/api";
import { cell, printable, table } from "../../cli/output";

// Text the CLI prints comes from other tenants (names, descriptions, yank and deprecation
// messages): it must never drive the terminal (a fresh-eyes try of issue 27 cleared the screen and
// printed a fake "installed successfully" through a yank message).
describe("the CLI prints other tenants' text without letting it drive the terminal", () => {
  const hostile = "\u001b[2J\u001b[H\u001b[32mOK: installed successfully\u001b[0m \u202eevil\u200b\u0007";

  it("escapes control, bidi and zero-width characters, keeping what is visible", () => {
    expect(printable(hostile)).toBe("\\u{1b}[2J\\u{1b}[H\\u{1b}[32mOK: installed successfully\\u{1b}[0m \\u{202e}evil\\u{200b}\\u{7}");
    expect(printable("Café — 日本語 ✓")).toBe("Café — 日本語 ✓");
  });

  it("problem lines and table cells carry no raw escape", () => {
    const line = problemLine(409, { code: "version_yanked", detail: `Version 1.0.0 was yanked: ${hostile}` });
    expect(line).toMatch(/^error: version_yanked \(HTTP 409\): Version 1\.0\.0 was yanked: /);
    for (const text of [line, cell(hostile), cell([hostile]), cell({ message: hostile }), table([{ m: hostile }], [["m", "Message"]])]) {
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u202e]/);
    }
  });

  it("a cell keeps its line feeds (several lines in one cell), never a carriage return", () => {
    expect(cell("one\ntwo\rthree")).toBe("one\ntwo\\u{d}three");
  });
});
