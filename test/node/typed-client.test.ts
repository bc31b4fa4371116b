import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");

describe("typed client (hono/client with AppType)", () => {
  it("type-checks the README example and refuses misuses", { timeout: 300_000 }, () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    expect(config).toBeDefined();
    const files = [join(root, "examples/typed-client.ts"), join(root, "test/types/typed-client-misuses.ts"), join(root, "test/types/typed-client-optional-parts.ts")];
    const program = ts.createProgram(files, { ...config!.options, noEmit: true });
    // Only these files are checked (the rest of the project only as far as their types need),
    // which keeps this far quicker than a whole `tsc --noEmit`.
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...files.flatMap((file) => {
        const source = program.getSourceFile(file)!;
        return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      }),
    ].map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(diagnostics).toEqual([]);
  });
});
