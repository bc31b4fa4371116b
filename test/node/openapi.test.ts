import SwaggerParser from "@apidevtools/swagger-parser";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { API_TAGS } from "../../src/lib/api-tags";

interface Operation {
  operationId?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  "x-access"?: unknown;
}
interface Document {
  openapi: string;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

async function openApiDocument(options: { testRoutes?: boolean }): Promise<Document> {
  const app = createApp(options);
  const response = await app.request("/openapi.json", {}, { LOG_LEVEL: "error" } as never, {
    waitUntil: () => {},
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext);
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

function operationsOf(document: Document): Array<{ where: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
  );
}

describe("OpenAPI document", () => {
  let withTestRoutes: Document;
  beforeAll(async () => {
    withTestRoutes = await openApiDocument({ testRoutes: true });
  });

  it("validates against the OpenAPI 3.1 schema, test routes included", async () => {
    expect(withTestRoutes.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(withTestRoutes) as never)).resolves.toBeTruthy();
  });

  it("gives every operation a unique camelCase operationId, a description and one declared tag", () => {
    const operations = operationsOf(withTestRoutes);
    expect(operations.length).toBeGreaterThan(40);
    const declared = new Map((withTestRoutes.tags ?? []).map((tag) => [tag.name, tag.description]));
    const seen = new Map<string, string>();
    for (const { where, operation } of operations) {
      expect(operation.operationId, where).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(seen.get(operation.operationId!), `${where} reuses an operationId`).toBeUndefined();
      seen.set(operation.operationId!, where);
      expect(operation.description?.trim().length, where).toBeGreaterThan(0);
      expect(operation.tags?.length, where).toBe(1);
      expect(declared.get(operation.tags![0]!), `${where}: tag ${operation.tags![0]} is not declared with a description`).toBeTruthy();
    }
    // Stable names generated clients rely on.
    expect(withTestRoutes.paths["/api/marketplace/items"]?.get?.operationId).toBe("listItems");
    expect(withTestRoutes.paths["/api/marketplace/items/{id}"]?.get?.operationId).toBe("getItem");
    expect(withTestRoutes.paths["/api/marketplace/items/{id}/install"]?.post?.operationId).toBe("installItem");
    expect(withTestRoutes.paths["/api/agents"]?.get?.operationId).toBe("listAgents");
  });

  it("declares only the tags its operations use, each with its description", () => {
    const used = new Set(operationsOf(withTestRoutes).flatMap(({ operation }) => operation.tags ?? []));
    expect(withTestRoutes.tags?.map((tag) => tag.name).sort()).toEqual([...used].sort());
    for (const tag of withTestRoutes.tags ?? []) expect(tag.description).toBe(API_TAGS[tag.name as keyof typeof API_TAGS]);
  });

  it("keeps scope lists empty in security requirements and states scope and role in x-access and the description", () => {
    for (const { where, operation } of operationsOf(withTestRoutes)) {
      expect(operation["x-access"], where).toBeTruthy();
      for (const requirement of operation.security ?? []) for (const scopes of Object.values(requirement)) expect(scopes, where).toEqual([]);
    }
    const install = withTestRoutes.paths["/api/marketplace/items/{id}/install"]!.post!;
    expect(install["x-access"]).toMatchObject({ scope: "items:install", role: "editor" });
    expect(install.description).toContain("API key with the `items:install` scope");
    expect(install.description).toContain("at least the `editor` role");
    expect(withTestRoutes.paths["/api/admin/users"]!.get!.description).toContain("platform admins only");
    expect(withTestRoutes.paths["/health"]!.get!.description).toContain("public");
  });

  describe("types generated with openapi-typescript", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "openapi-types-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("type-check a program that uses them, and refuse one that misuses them", async () => {
      const production = await openApiDocument({});
      writeFileSync(join(dir, "api.d.ts"), astToString(await openapiTS(production as never)));
      writeFileSync(
        join(dir, "program.ts"),
        `import type { operations, paths } from "./api";
type ListItems = paths["/api/marketplace/items"]["get"];
export const query: NonNullable<ListItems["parameters"]["query"]> = { type: "agent", search: "triage", limit: 10 };
type Page = ListItems["responses"][200]["content"]["application/json"];
export function names(page: Page): string[] {
  return page.items.map((item) => item.name);
}
export function installedVersion(result: operations["installItem"]["responses"][201]["content"]["application/json"]): string {
  return result.version;
}
// @ts-expect-error an item type the API does not have
export const wrong: NonNullable<ListItems["parameters"]["query"]> = { type: "robot" };
`,
      );
      const program = ts.createProgram([join(dir, "program.ts")], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        types: [],
        lib: ["lib.es2022.d.ts"],
      });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(diagnostics).toEqual([]);
    });
  });
});
