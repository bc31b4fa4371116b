import type { Finding } from "./types";

/**
 * Binary files in a bundle (issue 14 item 2): what their magic bytes say they are, and the
 * printable strings inside them, which the scanner matches like text lines.
 */
export interface Magic {
  kind: "executable" | "archive" | "media";
  name: string;
  matches: (b: Uint8Array) => boolean;
  /** Extensions a file of this kind may honestly carry. */
  extensions: RegExp;
}

export const TEXT_EXTENSIONS = /\.(md|markdown|txt|json|ya?ml|toml|ini|cfg|csv|js|mjs|cjs|ts|tsx|jsx|py|sh|bash|zsh|rb|pl|php|ps1|html?|css|xml|svg)$/i;

const startsWith = (b: Uint8Array, ...sig: number[]) => sig.every((v, i) => b[i] === v);

export const BINARY_MAGIC: readonly Magic[] = [
  { kind: "executable", name: "ELF executable", matches: (b) => startsWith(b, 0x7f, 0x45, 0x4c, 0x46), extensions: /$^/ },
  { kind: "executable", name: "Windows executable", matches: (b) => startsWith(b, 0x4d, 0x5a), extensions: /$^/ },
  { kind: "executable", name: "Mach-O executable", matches: (b) => [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]].some((s) => startsWith(b, ...s)), extensions: /$^/ },
  { kind: "executable", name: "WebAssembly module", matches: (b) => startsWith(b, 0x00, 0x61, 0x73, 0x6d), extensions: /$^/ },
  { kind: "archive", name: "zip archive", matches: (b) => startsWith(b, 0x50, 0x4b, 0x03, 0x04), extensions: /\.(zip|jar)$/i },
  { kind: "archive", name: "gzip archive", matches: (b) => startsWith(b, 0x1f, 0x8b), extensions: /\.(gz|tgz)$/i },
  { kind: "archive", name: "7-zip archive", matches: (b) => startsWith(b, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c), extensions: /\.7z$/i },
  { kind: "archive", name: "RAR archive", matches: (b) => startsWith(b, 0x52, 0x61, 0x72, 0x21), extensions: /\.rar$/i },
  { kind: "archive", name: "bzip2 archive", matches: (b) => startsWith(b, 0x42, 0x5a, 0x68), extensions: /\.bz2$/i },
  { kind: "archive", name: "xz archive", matches: (b) => startsWith(b, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), extensions: /\.xz$/i },
  { kind: "media", name: "PNG image", matches: (b) => startsWith(b, 0x89, 0x50, 0x4e, 0x47), extensions: /\.png$/i },
  { kind: "media", name: "JPEG image", matches: (b) => startsWith(b, 0xff, 0xd8, 0xff), extensions: /\.jpe?g$/i },
  { kind: "media", name: "GIF image", matches: (b) => startsWith(b, 0x47, 0x49, 0x46, 0x38), extensions: /\.gif$/i },
  { kind: "media", name: "WebP image", matches: (b) => startsWith(b, 0x52, 0x49, 0x46, 0x46) && startsWith(b.subarray(8), 0x57, 0x45, 0x42, 0x50), extensions: /\.webp$/i },
  { kind: "media", name: "PDF document", matches: (b) => startsWith(b, 0x25, 0x50, 0x44, 0x46), extensions: /\.pdf$/i },
];

/** What a binary file's kind says about it (line 0: the whole file). */
export function binaryFindings(file: string, bytes: Uint8Array, magic: Magic | undefined): Finding[] {
  const whole = (rule_id: string, severity: Finding["severity"], message: string): Finding => ({ rule_id, severity, file, line: 0, message, excerpt: "" });
  if (magic?.kind === "executable") return [whole("executable", "critical", `${magic.name}${TEXT_EXTENSIONS.test(file) ? " disguised by a text extension" : ""}.`)];
  if (magic?.kind === "archive") return [whole("nested-archive", TEXT_EXTENSIONS.test(file) ? "critical" : "high", `${magic.name} inside the bundle cannot be scanned.`)];
  if (magic && !magic.extensions.test(file)) return [whole("extension-mismatch", "high", `${magic.name} with a misleading extension.`)];
  if (!magic) return [whole("unknown-binary", TEXT_EXTENSIONS.test(file) ? "high" : "medium", "Binary content of an unknown kind.")];
  return [];
}

const LATIN1 = new TextDecoder("latin1");

/** Runs of at least 8 printable ASCII bytes, each as one "line". */
export function printableRuns(bytes: Uint8Array): string[] {
  const runs: string[] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const byte = i < bytes.length ? bytes[i]! : 0;
    const printable = byte >= 0x20 && byte <= 0x7e;
    if (printable && start < 0) start = i;
    if (!printable && start >= 0) {
      if (i - start >= 8) runs.push(LATIN1.decode(bytes.subarray(start, i)));
      start = -1;
    }
  }
  return runs;
}
