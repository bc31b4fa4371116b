import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { takedownGeneration } from "../../db/queries/generations";
import { escapePromptBlock, promptLine } from "../../domain/prompt-text";
import { estimateTokens } from "../../domain/tokens";
import { listKeys } from "./bundle-storage";

/**
 * Plugin content read from R2 through Redis (issue 15 item 5; reference §6.8 used the same TTL).
 * One entry per plugin version holds every UTF-8 file of the bundle plus the token estimate of the
 * text the assembled context uses, so a hit costs neither R2 nor counting.
 *
 * An entry also carries the takedown generation it was read under (design.md §26, §29), and is
 * served only while that is still PostgreSQL's: a status change, deactivation, reactivation or
 * deletion committed anywhere makes every entry stale, even when the `DEL` of its keys never
 * reached Redis. Whether this caller may have this version at all (its workspace's pin, the
 * plugin active, the version's status) is decided from PostgreSQL by the callers
 * (content-access.ts, assembled-context.ts) before the content is read; a workspace generation
 * would add nothing to that, and would make the workspaces sharing a version evict each other.
 */
export const PLUGIN_CONTENT_TTL_SECONDS = 3600;

/** What a version's content is looked up by: its plugin, version, and the bundle hash (the file set). */
export interface ContentVersion {
  pluginId: string;
  version: string;
  storagePrefix: string;
  bundleSha256: string;
}

export interface PluginContent {
  /** Relative path → text, for every file that is valid UTF-8 (binaries are left out). */
  files: Record<string, string>;
  /** Estimated tokens of `contextText(files)`. */
  context_tokens: number;
}

/** A Redis entry: the content and the takedown generation it was read from R2 under. */
interface StoredContent extends PluginContent {
  takedown: string;
}

/**
 * The layout of an entry's `context_tokens`: an entry counts `contextText` as estimateTokens saw it
 * when it was filled, so a change to either must change this, or an entry of the old layout would
 * under-count the new text for up to an hour. v2: foreign headings escaped (issue 26 item 1); v3:
 * fences, HTML starts and headings inside lists and quotes escaped too.
 */
const CONTENT_LAYOUT = "v3";

/**
 * The key holds the plugin id (a deleted and re-uploaded slug gets a new id) and the bundle hash,
 * so a key can never name other bytes than the ones it was filled from.
 */
export const pluginContentKey = (v: Pick<ContentVersion, "pluginId" | "version" | "bundleSha256">) =>
  `plugin:content:${CONTENT_LAYOUT}:${v.pluginId}:${v.version}:${v.bundleSha256.slice(0, 16)}`;

/** Files that go into an agent's context: the bundle's prose (markdown and text), not code or the manifest. */
const CONTEXT_FILE = /\.(md|markdown|txt)$/i;

/**
 * The text an assembled context includes for a plugin: its prose files in path order, each under a
 * `### <path>` heading (the path on one line), its text with every structural line (a heading, a
 * fence, an HTML start, also inside a list or quote) escaped (src/domain/prompt-text.ts), so that
 * no file can open or hide a section.
 */
export function contextText(files: Record<string, string>): string {
  return Object.keys(files)
    .filter((path) => CONTEXT_FILE.test(path))
    .sort()
    .map((path) => `### ${promptLine(path)}\n${escapePromptBlock(files[path]!.trim())}`)
    .join("\n\n");
}

const READ_CONCURRENCY = 6;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Every file under the version's prefix that decodes as UTF-8; a file that vanished or is binary is skipped. */
async function readFromStorage(bucket: R2Bucket, prefix: string): Promise<Record<string, string>> {
  const keys = (await listKeys(bucket, prefix)).sort();
  const files: Record<string, string> = {};
  for (let at = 0; at < keys.length; at += READ_CONCURRENCY) {
    await Promise.all(
      keys.slice(at, at + READ_CONCURRENCY).map(async (key) => {
        const object = await bucket.get(key);
        if (!object) return;
        try {
          files[key.slice(prefix.length)] = utf8.decode(await object.arrayBuffer());
        } catch {
          // Not text: images and the like have no place in a prompt or a text listing.
        }
      }),
    );
  }
  return files;
}

/** A Redis entry stored under `takedown` (an entry of any other shape, or of before tags, only misses). */
const isCurrent = (value: unknown, takedown: string): value is StoredContent =>
  typeof value === "object" &&
  value !== null &&
  (value as StoredContent).takedown === takedown &&
  typeof (value as StoredContent).files === "object" &&
  typeof (value as StoredContent).context_tokens === "number";

/** What reading content needs: PostgreSQL (the takedown generation), Redis and R2. */
export interface ContentDeps {
  db: Queryable;
  cache: Cache;
  bucket: R2Bucket;
}

/**
 * Versions' content: the takedown generation (one primary-key query) and every key from Redis
 * (one round trip), in parallel; an entry is served only when stored under that generation. Each
 * miss (all of them with Redis down, which the cache client turns into misses) is read from R2
 * and written back under the generation read before it, with TTL exactly
 * `PLUGIN_CONTENT_TTL_SECONDS`. R2 and database failures propagate. No versions: no I/O.
 */
export async function readPluginContents(deps: ContentDeps, versions: ContentVersion[]): Promise<Array<PluginContent & { cached: boolean }>> {
  if (!versions.length) return [];
  const [takedown, hits] = await Promise.all([takedownGeneration(deps.db), deps.cache.mget<StoredContent>(versions.map(pluginContentKey))]);
  return Promise.all(
    versions.map(async (version, i) => {
      const hit = hits[i];
      if (isCurrent(hit, takedown)) return { files: hit.files, context_tokens: hit.context_tokens, cached: true };
      const files = await readFromStorage(deps.bucket, version.storagePrefix);
      const content: PluginContent = { files, context_tokens: estimateTokens(contextText(files)) };
      await deps.cache.set(pluginContentKey(version), { ...content, takedown } satisfies StoredContent, PLUGIN_CONTENT_TTL_SECONDS);
      return { ...content, cached: false };
    }),
  );
}

/** One version's content (see `readPluginContents`). */
export async function readPluginContent(deps: ContentDeps, version: ContentVersion) {
  return (await readPluginContents(deps, [version]))[0]!;
}

/**
 * Drops the cached content of these versions (deactivation, deletion): frees the space at once. Not
 * what keeps them from being served (a `DEL` may be lost): the takedown generation does that.
 */
export async function invalidatePluginContent(cache: Cache, versions: Array<Pick<ContentVersion, "pluginId" | "version" | "bundleSha256">>): Promise<void> {
  if (versions.length) await cache.del(...versions.map(pluginContentKey));
}
