import { describe, expect, it } from "vitest";
import { contractViolations, ResponseSchemas } from "../helpers/fuzz/checks";
import { encodeLoose, type Operation, type PlannedRequest } from "../helpers/fuzz/requests";

// The contract fuzzer's judge must fail what breaks the contract, or a green fuzz run means nothing.

const defs = {
  Thing: { type: "object", properties: { id: { type: "string", format: "uuid" }, count: { type: "integer" } }, required: ["id", "count"] },
  Problem: { type: "object", properties: { code: { type: "string" }, status: { type: "integer" } }, required: ["code", "status"] },
};
const operation: Operation = {
  method: "get",
  path: "/things/{id}",
  access: { access: "public" },
  parameters: [],
  responses: {
    "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } } },
    "204": {},
    "404": { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
  },
};
const request: PlannedRequest = { operation, mutation: "valid", url: "/things/1", init: {}, describe: "GET /things/1" };
const schemas = new ResponseSchemas(defs);
const judge = (status: number, body: string, type = "application/json") =>
  contractViolations(request, new Response(status === 204 ? null : body, { status, headers: { "content-type": type } }), schemas);
const thing = JSON.stringify({ id: "123e4567-e89b-42d3-a456-426614174000", count: 1 });

describe("the contract fuzzer's checks", () => {
  it("pass a response that keeps the contract", async () => {
    expect(await judge(200, thing)).toEqual([]);
    expect(await judge(204, "")).toEqual([]);
    expect(await judge(404, JSON.stringify({ code: "not_found", status: 404 }), "application/problem+json")).toEqual([]);
  });

  it("fail a 5xx, an undeclared status and an undeclared content type", async () => {
    expect((await judge(500, "{}"))[0]).toMatch(/5xx/);
    expect((await judge(409, "{}")).join()).toMatch(/409 is not declared/);
    expect((await judge(404, JSON.stringify({ code: "x", status: 404 }))).join()).toMatch(/content type "application\/json" is not declared/);
  });

  it("fail a body that does not match the declared schema, through a $ref", async () => {
    expect((await judge(200, JSON.stringify({ id: "nope", count: "1" }))).join()).toMatch(/does not match the schema/);
    expect((await judge(200, "{not json")).join()).toMatch(/not JSON/);
  });

  it("fail a stack trace, SQL text or a source path in any body", async () => {
    const leak = (text: string) => judge(200, JSON.stringify({ id: "123e4567-e89b-42d3-a456-426614174000", count: 1, note: text }));
    expect((await leak("Error: boom\n    at handler (/work/src/routes/x.ts:10:5)")).join()).toMatch(/stack trace/);
    expect((await leak('duplicate key value violates unique constraint "items_pkey"')).join()).toMatch(/SQL text/);
    expect((await leak("see node_modules/hono/dist/compose.js")).join()).toMatch(/file path/);
  });

  it("encode lone surrogates as their WTF-8 bytes instead of throwing", () => {
    expect(encodeLoose("a\ud800b")).toBe("a%ED%A0%80b");
    expect(encodeLoose("\ud83d\ude00")).toBe(encodeURIComponent("\ud83d\ude00"));
  });
});
