import { describe, expect, it } from "vitest";
import { accessSentence } from "../../src/lib/access";

// The access sentence ends every operation's description: it must name where the workspace comes from.
describe("accessSentence", () => {
  const access = { access: "authenticated", scope: "items:read", workspaceScoped: true } as const;

  it("names the path segment on routes that have one", () => {
    const sentence = accessSentence(access, "/api/workspaces/{workspace_id}/plugins");
    expect(sentence).toContain("the `{workspace_id}` path segment");
    expect(sentence).not.toContain("X-Workspace-ID");
  });

  it("names the X-Workspace-ID header (and the key's default) on routes without one", () => {
    const sentence = accessSentence(access, "/api/agents/{agent_id}/assembled-context");
    expect(sentence).toContain("the X-Workspace-ID header (an API key defaults to its own");
    expect(sentence).not.toContain("{workspace_id}");
  });
});
