/**
 * The document's tags, declared at the top level with a description (issue 17 item 1: spectral's
 * `operation-tag-defined`). A route's `tags` must name one of these, so a new tag is added here.
 */
export const API_TAGS = {
  Catalog: "Browse and search the marketplace catalog: items of all five types, featured items, categories and statistics.",
  Installs: "Install marketplace items into a workspace, list installs, find and apply updates, uninstall.",
  Publishing: "Submit a workspace agent, recipe or skill to the marketplace and follow its submissions.",
  Moderation: "Platform admins: the review queue, approve, reject, feature and remove items, the audit trail.",
  Plugins: "Browse approved plugins, their categories and versions, and read the content of a plugin your workspace enabled.",
  "Workspace plugins": "Enable plugins in a workspace (pinned to a version), list them with available updates, move the pin, disable them.",
  "Agent plugins": "Assign a workspace's enabled plugins to its agents in priority order, and read an agent's assembled context within a token budget.",
  Reports: "Report a marketplace item or plugin (malware, credential theft, prompt injection, …), follow your workspace's reports, appeal a moderation action on your item; platform admins triage the queue and resolve.",
  "Plugins (admin)": "Platform admins: upload plugin bundles, review their security scan, approve, reject, activate and delete them.",
  Workspaces: "Workspaces, their members and invitations.",
  Agents: "A workspace's own agents (create, read, update, delete).",
  Recipes: "A workspace's own recipes (create, read, update, delete).",
  Skills: "A workspace's own skills (create, read, update, delete).",
  "API keys": "Workspace API keys: create with a subset of scopes, list, revoke.",
  Admin: "Platform administration.",
  System: "Health and the service's own documents.",
  Testing: "Mounted only in the test suite.",
  Benchmark: "Mounted only for the benchmark.",
} as const;

export type ApiTag = keyof typeof API_TAGS;

/** The top-level `tags` of the OpenAPI document. */
export function declaredTags(): Array<{ name: ApiTag; description: string }> {
  return (Object.keys(API_TAGS) as ApiTag[]).map((name) => ({ name, description: API_TAGS[name] }));
}
