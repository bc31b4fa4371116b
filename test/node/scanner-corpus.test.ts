import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEMO_PLUGIN_DIR, DEMO_PLUGINS } from "../../scripts/seed/demo-plugins";
import { PROJECT_ROOT } from "../../scripts/stack/paths";
import { listedPaths, validateManifest, type PluginManifest } from "../../src/domain/plugin-manifest";
import { CORPUS_DIR, loadCorpus, type BundleFile } from "../fixtures/scanner-corpus/load";
import { ATTACK_CLASSES as GENERATED_CLASSES } from "../fixtures/scanner-corpus/malicious";
import { classify, corpusRates, formatRates } from "../fixtures/scanner-corpus/rates";

// Issue 28 item 3 and design.md §43: the labelled corpus is an independent oracle for the scanner.
// Every malicious sample must be caught (refused by the upload gate, or scanned `blocked` or
// `review_required`); at most 5 % of the benign ones may be held and none blocked.

// The lists, written out here on purpose (not imported from the generator), so that the
// corpus cannot shrink without this file changing too.
const ATTACK_CLASSES = [
  "download_execute_sh",
  "download_execute_powershell",
  "download_execute_python",
  "download_execute_node",
  "credentials_environment",
  "exfiltration_host",
  "prompt_injection",
  "persistence",
  "disabled_safety",
  "obfuscated_eval",
];
const OBFUSCATIONS = [
  "plain",
  "nfkc_fullwidth",
  "zero_width",
  "tag_characters",
  "bidi",
  "confusable_cyrillic",
  "line_continuation",
  "split_lines_window",
  "html_comment",
  "link_reference_definition",
  "front_matter_value",
  "folded_front_matter",
  "code_fence_other_language",
  "percent_encoding",
  "backslash_x_escapes",
  "backslash_u_escapes",
  "base64_blob",
  "hex_blob",
];
/** "What an attacker got through today" (issue 28), one sample each. */
const REPRODUCTIONS = [
  "curl_o_home_cache_then_bash",
  "irm_pipe_iex",
  "curl_pipe_sudo_e_bash",
  "curl_pipe_tee_pipe_bash",
  "eval_command_substitution_curl",
  "source_process_substitution_curl",
  "backslash_continuation_pipe_bash_next_line",
  "cyrillic_es_in_curl",
  "multi_line_html_comment",
  "link_reference_definition_pipe_into_bash",
  "echo_base64_decode_bash",
  "base64_i_d",
  "openssl_enc_base64_d_a_bash",
  "pipe_quoted_bash",
  "pipe_bin_sh",
  "dash_c_command_substitution_curl",
  "curl_redirect_then_sh",
  "prose_fetch_with_curl_execute_with_bash",
  "folded_front_matter_description",
  "yaml_escapes_in_front_matter",
  "wget_chmod_execute",
  "disregard_everything_above",
  "payload_in_unlisted_file",
  "second_unlisted_skill_md",
  "nul_byte_file",
  "install_txt_unlisted",
  "json_escapes_in_manifest_name_and_description",
].map((id) => `reproduction--${id}`);
/** Reproductions whose whole point is a file the manifest does not list: the gate's refusal is their catch. */
const UNLISTED_BY_DESIGN = new Set(["reproduction--payload_in_unlisted_file", "reproduction--second_unlisted_skill_md", "reproduction--install_txt_unlisted"]);

// Loaded apart from the corpus checks: while the engine does not load, those still run and every
// sample's outcome is that error (not caught, benign blocked).
const gate = await import("../../src/domain/bundle-check").catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
const checkBundle: typeof import("../../src/domain/bundle-check").checkBundle = (files) => {
  if (gate instanceof Error) throw gate;
  return gate.checkBundle(files);
};

/** The files a manifest does not list (common.md): not a listed path or under a listed folder, nor manifest.json, README.md or LICENSE. */
function unlistedFiles(manifest: PluginManifest, paths: string[]): string[] {
  const listed = listedPaths(manifest);
  return paths.filter((p) => !["manifest.json", "README.md", "LICENSE"].includes(p) && !listed.some((l) => p === l || p.startsWith(l.replace(/\/$/, "") + "/")));
}

const corpus = loadCorpus();
const results = corpus.map((sample) => ({ ...sample, outcome: classify(() => checkBundle(sample.files)) }));
const malicious = results.filter((r) => r.label === "malicious");
const benign = results.filter((r) => r.label === "benign");
const rates = corpusRates(results);

const asMap = (files: BundleFile[]) => new Map(files.map((f) => [f.path, f.bytes]));
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");

describe("the scanner corpus meets design.md §43 (test/fixtures/scanner-corpus)", () => {
  it("holds the full cross product of attack classes and obfuscations, one sample each", () => {
    const present = new Set(malicious.map((r) => `${r.class}/${r.obfuscation}`));
    const missing = ATTACK_CLASSES.flatMap((c) => OBFUSCATIONS.map((o) => `${c}/${o}`)).filter((key) => !present.has(key));
    expect(missing).toEqual([]);
  });

  it("holds every reproduction the issue lists, verbatim, as its own sample", () => {
    const ids = new Set(malicious.filter((r) => r.class === "reproduction").map((r) => r.id));
    expect(REPRODUCTIONS.filter((id) => !ids.has(id))).toEqual([]);
  });

  it("holds at least 60 malicious and 60 benign samples, with unique ids and no stray directories", () => {
    expect(malicious.length).toBeGreaterThanOrEqual(ATTACK_CLASSES.length * OBFUSCATIONS.length + REPRODUCTIONS.length);
    expect(benign.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((s) => s.id)).size).toBe(corpus.length);
    for (const label of ["malicious", "benign"] as const) {
      expect(readdirSync(join(CORPUS_DIR, label)).sort()).toEqual(corpus.filter((s) => s.label === label).map((s) => s.id).sort());
    }
  });

  it("holds every demo plugin exactly as it is uploaded (re-run the generator when one changes)", () => {
    for (const { folder } of DEMO_PLUGINS) {
      const sample = benign.find((r) => r.id === `demo-plugin--${folder}`);
      expect(sample, folder).toBeDefined();
      for (const file of sample!.files) expect(text(file.bytes), `${folder}/${file.path}`).toBe(readFileSync(join(DEMO_PLUGIN_DIR, folder, file.path), "utf8"));
      expect(sample!.files.length).toBe(readdirSync(join(DEMO_PLUGIN_DIR, folder), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length);
    }
  });

  it("wraps every document of test/node/fixtures/benign unchanged", () => {
    const dir = join(PROJECT_ROOT, "test/node/fixtures/benign");
    for (const name of readdirSync(dir)) {
      const sample = benign.find((r) => r.source === `test/node/fixtures/benign/${name}`);
      expect(sample, name).toBeDefined();
      expect(sample!.files.some((f) => text(f.bytes) === readFileSync(join(dir, name), "utf8")), name).toBe(true);
    }
  });

  it("gives every sample a valid manifest that lists its files, so a catch is the scanner's (unlisted-file reproductions aside)", () => {
    const broken = corpus.flatMap((s) => {
      const checked = validateManifest(asMap(s.files));
      if (!checked.ok) return [`${s.id}: ${checked.code} ${JSON.stringify(checked.errors)}`];
      const unlisted = unlistedFiles(checked.manifest, s.files.map((f) => f.path));
      return unlisted.length && !UNLISTED_BY_DESIGN.has(s.id) ? [`${s.id}: unlisted ${unlisted.join(", ")}`] : [];
    });
    expect(broken).toEqual([]);
    for (const id of UNLISTED_BY_DESIGN) {
      const sample = corpus.find((s) => s.id === id)!;
      const checked = validateManifest(asMap(sample.files));
      expect(checked.ok && unlistedFiles(checked.manifest, sample.files.map((f) => f.path)).length, id).toBeGreaterThan(0);
    }
  });

  it("declares no permissions in any malicious sample", () => {
    const declaring = malicious.filter((r) => "permissions" in JSON.parse(text(r.files.find((f) => f.path === "manifest.json")!.bytes)));
    expect(declaring.map((r) => r.id)).toEqual([]);
  });
});

// The inverse of each obfuscation, written independently of the generator's transforms: what the
// issue's normalisation step should recover. A transform that garbled the payload would make the
// corpus test something other than the obfuscation it names.
const inline = (t: string) => t.match(/transport\): `([^`]+)`/)?.[1] ?? "";
const bytesToText = (bytes: number[]) => Buffer.from(bytes).toString("utf8");
const CYRILLIC_TO_LATIN: Record<string, string> = { а: "a", с: "c", е: "e", о: "o", р: "p", х: "x", у: "y", і: "i", ѕ: "s", ј: "j", һ: "h" };
const frontMatterDescription = (t: string) => String((parseYaml(t.match(/^---\n([\s\S]*?)\n---/)?.[1] ?? "") as { description?: unknown }).description ?? "");
const RECOVER: Record<string, { hides: boolean; recover: (t: string) => string }> = {
  plain: { hides: false, recover: (t) => t },
  nfkc_fullwidth: { hides: true, recover: (t) => t.normalize("NFKC") },
  zero_width: { hides: true, recover: (t) => t.replace(/[\u200B-\u200D\u2060\uFEFF]/g, "") },
  tag_characters: { hides: true, recover: (t) => t.replace(/[\u{E0000}-\u{E007F}]/gu, "") },
  bidi: { hides: true, recover: (t) => t.replace(/[\u202A-\u202E\u2066-\u2069]/g, "") },
  confusable_cyrillic: { hides: true, recover: (t) => t.replace(/[асеорхуіѕјһ]/g, (c) => CYRILLIC_TO_LATIN[c]!) },
  line_continuation: { hides: true, recover: (t) => t.replace(/ ?[\\`]\n/g, " ") },
  split_lines_window: { hides: true, recover: (t) => t.replace(/\n/g, " ") },
  html_comment: { hides: false, recover: (t) => t.match(/<!--\n([\s\S]*?)\n-->/)?.[1] ?? "" },
  link_reference_definition: { hides: false, recover: (t) => (t.match(/^\[setup-guide\]: \S+ (.*)$/m)?.[1] ?? "").replace(/\\"/g, '"') },
  front_matter_value: { hides: false, recover: frontMatterDescription },
  folded_front_matter: { hides: true, recover: frontMatterDescription },
  code_fence_other_language: { hides: false, recover: (t) => t.match(/```(?!bash|powershell)[a-z]+\n([\s\S]*?)\n```/)?.[1] ?? "" },
  percent_encoding: { hides: true, recover: (t) => decodeURIComponent(inline(t)) },
  backslash_x_escapes: { hides: true, recover: (t) => bytesToText([...inline(t).matchAll(/\\x([0-9a-f]{2})/g)].map((m) => parseInt(m[1]!, 16))) },
  backslash_u_escapes: { hides: true, recover: (t) => String.fromCharCode(...[...inline(t).matchAll(/\\u([0-9a-f]{4})/g)].map((m) => parseInt(m[1]!, 16))) },
  base64_blob: { hides: true, recover: (t) => Buffer.from(inline(t), "base64").toString("utf8") },
  hex_blob: { hides: true, recover: (t) => bytesToText((inline(t).match(/../g) ?? []).map((h) => parseInt(h, 16))) },
};

describe("each obfuscation in the corpus hides its class's payload, and its inverse recovers it", () => {
  it.each(OBFUSCATIONS)("%s", (obfuscation) => {
    expect(Object.keys(RECOVER).sort()).toEqual([...OBFUSCATIONS].sort());
    for (const c of GENERATED_CLASSES) {
      const sample = malicious.find((r) => r.id === `${c.id}--${obfuscation}`)!;
      const skill = text(sample.files.find((f) => f.path.endsWith("SKILL.md"))!.bytes);
      const { hides, recover } = RECOVER[obfuscation]!;
      if (hides) expect(skill.includes(c.core), `${sample.id} shows the payload as is`).toBe(false);
      expect(recover(skill), sample.id).toContain(c.core);
    }
  });
});

describe(`scanner corpus rates: ${formatRates(rates)}`, () => {
  describe("every malicious sample is caught (blocked, review_required or refused)", () => {
    it.each(malicious.map((r) => [r.id, r] as const))("%s", (_id, r) => {
      expect(r.outcome.caught, `${r.id} (${r.note || r.class}) passed as ${r.outcome.summary}`).toBe(true);
    });
  });

  it(`blocks no benign sample (${rates.benignBlocked}/${rates.benign})`, () => {
    expect(benign.filter((r) => r.outcome.kind === "blocked").map((r) => `${r.id}: ${r.outcome.summary}`)).toEqual([]);
  });

  it(`holds at most 5 % of the benign samples for review (${rates.benignHeld}/${rates.benign} = ${rates.benignHeldPercent.toFixed(1)} %)`, () => {
    const held = benign.filter((r) => r.outcome.held).map((r) => `${r.id}: ${r.outcome.summary}`);
    expect(held.length / benign.length, `held:\n${held.join("\n")}`).toBeLessThanOrEqual(0.05);
  });
});
