import { z } from "zod";

/**
 * A plugin's permission manifest (issue 28 item 5; design.md §42): what the content may use, which a
 * workspace consents to when it enables the plugin or moves its pin. OWASP's Agentic Skills Top 10
 * (AST03, over-broad permissions) names a declared permission manifest as the first mitigation.
 *
 * Canonical form (design.md §42): exactly the keys `environment, files, network, shell, tools`, in
 * that order; arrays de-duplicated and sorted by code point; `files` defaults to "none", `shell` to
 * false. `permissions_hash` is the lower-case hex SHA-256 of `JSON.stringify` of that object.
 */
export const FILE_ACCESS = ["none", "read", "write"] as const;
export type FileAccess = (typeof FILE_ACCESS)[number];

export interface Permissions {
  /** Environment variable names the content reads. */
  environment: string[];
  files: FileAccess;
  /** Host names (IDNA A-labels, lower case) the content talks to. */
  network: string[];
  shell: boolean;
  /** Tool catalog slugs (`tool_catalog.app_slug`) the content calls. */
  tools: string[];
}

export const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A host name after IDNA: labels of a-z, 0-9 and '-', not starting or ending with '-', at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const TOOL_SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;
const MAX_ENTRIES = 100;

/**
 * A host as written in a manifest, turned into its canonical A-label form: lower case, Unicode
 * labels converted by the WHATWG URL parser (IDNA), no port, path, trailing dot or wildcard, and not
 * an IP address (a manifest names the services it uses). Undefined when it is not such a host.
 */
export function canonicalHost(written: string): string | undefined {
  if (!written || written.length > 253 || /[\s/:@*?#\\]/.test(written) || written.endsWith(".")) return undefined;
  let host: string;
  try {
    host = new URL(`http://${written}/`).hostname;
  } catch {
    return undefined;
  }
  if (IPV4.test(host) || host.startsWith("[")) return undefined;
  return HOST_NAME.test(host) ? host : undefined;
}

const hostEntry = z.string().transform((value, ctx) => {
  const host = canonicalHost(value);
  if (host === undefined) {
    ctx.addIssue({ code: "custom", message: "must be a host name such as api.example.com (no scheme, port, path, trailing dot, wildcard or IP address)" });
    return z.NEVER;
  }
  return host;
});

/**
 * `manifest.json`'s `permissions` as uploaded: every key optional (absent means none), unknown keys
 * refused so that a misspelt permission is not silently dropped. Tool names are checked against the
 * tool catalog by the upload service (it needs the database).
 */
export const PermissionsManifestSchema = z
  .object({
    network: z.array(hostEntry).max(MAX_ENTRIES).default([]),
    environment: z.array(z.string().regex(ENVIRONMENT_NAME, "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")).max(MAX_ENTRIES).default([]),
    shell: z.boolean().default(false),
    files: z.enum(FILE_ACCESS).default("none"),
    tools: z.array(z.string().regex(TOOL_SLUG, "must be a tool catalog slug such as github")).max(MAX_ENTRIES).default([]),
  })
  .strict()
  .default({ network: [], environment: [], shell: false, files: "none", tools: [] });

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedSet = (values: readonly string[]) => [...new Set(values)].sort(byCodePoint);

/** The canonical object of design.md §42 (keys in order, sets sorted by code point). */
export function canonicalPermissions(p: Partial<Permissions> | null | undefined): Permissions {
  return {
    environment: sortedSet(p?.environment ?? []),
    files: p?.files ?? "none",
    network: sortedSet(p?.network ?? []),
    shell: p?.shell ?? false,
    tools: sortedSet(p?.tools ?? []),
  };
}

export const NO_PERMISSIONS: Permissions = canonicalPermissions({});

/** Lower-case hex SHA-256 of the canonical JSON (64 characters). */
export async function permissionsHash(p: Partial<Permissions>): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(canonicalPermissions(p)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hash of no permissions at all (what existing versions and enablements hold). */
export const NO_PERMISSIONS_HASH = "7a68e9b9222332000470345fcef0bc7fc55bfe60d50f5d29abfe6ee62a271b62";

export const isEmptyPermissions = (p: Permissions) =>
  !p.environment.length && !p.network.length && !p.tools.length && !p.shell && p.files === "none";

const FILE_RANK: Record<FileAccess, number> = { none: 0, read: 1, write: 2 };

/** True when `next` asks for nothing beyond `accepted` (files: none < read < write; shell: false < true). */
export function isPermissionSubset(next: Permissions, accepted: Permissions): boolean {
  const within = (a: string[], b: string[]) => a.every((v) => b.includes(v));
  return (
    within(next.environment, accepted.environment) &&
    within(next.network, accepted.network) &&
    within(next.tools, accepted.tools) &&
    (!next.shell || accepted.shell) &&
    FILE_RANK[next.files] <= FILE_RANK[accepted.files]
  );
}

export interface PermissionDelta {
  environment: string[];
  network: string[];
  tools: string[];
  /** True when this side gains (added) or loses (removed) shell access. */
  shell: boolean;
  /** The new file access level when it rose (added) or the old one when it fell (removed); else null. */
  files: FileAccess | null;
}

/** What `to` has beyond `from`, per kind: the other side of a change is the same call reversed. */
function beyond(to: Permissions, from: Permissions): PermissionDelta {
  const minus = (a: string[], b: string[]) => a.filter((v) => !b.includes(v));
  return {
    environment: minus(to.environment, from.environment),
    network: minus(to.network, from.network),
    tools: minus(to.tools, from.tools),
    shell: to.shell && !from.shell,
    files: FILE_RANK[to.files] > FILE_RANK[from.files] ? to.files : null,
  };
}

/** What moving from `from` to `to` adds and removes, per kind. */
export function permissionChanges(from: Permissions, to: Permissions): { added: PermissionDelta; removed: PermissionDelta } {
  return { added: beyond(to, from), removed: beyond(from, to) };
}

/** Whether a delta is empty (no kind changed). */
export const isNoChange = (d: { added: PermissionDelta; removed: PermissionDelta }) =>
  [d.added, d.removed].every((s) => !s.environment.length && !s.network.length && !s.tools.length && !s.shell && s.files === null);
