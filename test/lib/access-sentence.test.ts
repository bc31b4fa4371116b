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

describe("accessSentence for publisher-or-admin routes (design.md §38)", () => {
  it("names both paths: a platform admin with no workspace, and the scope, workspace and role for everyone else", () => {
    const sentence = accessSentence(
      { access: "authenticated", scope: "items:submit", workspaceScoped: true, role: "editor", platformAdminBypass: true },
      "/api/marketplace/items/{id}/versions/{version}",
    );
    expect(sentence).toContain("a platform admin");
    expect(sentence).toContain("no workspace needed");
    expect(sentence).toContain("`items:submit`");
    expect(sentence).toContain("X-Workspace-ID");
    expect(sentence).toContain("`editor`");
  });
});
