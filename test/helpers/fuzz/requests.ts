import fc from "fast-check";
import type { RouteAccess } from "../../../src/lib/access";
import {
  boundaryNumber,
  HOSTILE_STRINGS,
  isNumeric,
  isText,
  MALFORMED_UUIDS,
  resolve,
  valid,
  wrongValue,
  type Definitions,
  type Schema,
} from "./schema-arbitrary";

/** One operation of the OpenAPI document. */
export interface Operation {
  method: string;
  path: string;
  access: RouteAccess;
  parameters: Array<{ name: string; in: "path" | "query" | "header" | "cookie"; required?: boolean; schema?: Schema }>;
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** Credentials a fuzz run holds, by the kind of caller an operation declares. */
export interface Credentials {
  workspaceId: string;
  ownerToken: string;
  adminToken: string;
  apiKey: string;
}

/** Real ids per path-parameter name, so valid requests reach rows and not only 404s. */
export type IdPools = Record<string, readonly string[]>;

export const MUTATIONS = [
  "valid",
  "valid",
  "valid",
  "wrong-type",
  "missing",
  "extra",
  "hostile",
  "boundary",
  "malformed-id",
  "repeated-query",
  "raw-body",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** What one generated request draws: schema-valid parts, then a mutation and its choices. */
interface Draw {
  mutation: Mutation;
  path: Record<string, string>;
  query: Record<string, unknown>;
  query2: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
  credential: number;
  pick: number;
  pick2: number;
  hostile: string;
  malformed: string;
  binary: Uint8Array;
}

/** A request ready to send, with a one-line description that identifies it in a failure report. */
export interface PlannedRequest {
  operation: Operation;
  mutation: Mutation;
  url: string;
  init: RequestInit;
  describe: string;
}

type Slot = { where: "body" | "query" | "path" | "header"; name: string; schema?: Schema };

function jsonMediaType(op: Operation): string | undefined {
  return Object.keys(op.requestBody?.content ?? {}).find((type) => /json/.test(type));
}

function multipartMediaType(op: Operation): string | undefined {
  return Object.keys(op.requestBody?.content ?? {}).find((type) => type === "multipart/form-data");
}

function bodySchema(op: Operation): Schema | undefined {
  const type = jsonMediaType(op) ?? multipartMediaType(op);
  return type ? op.requestBody!.content[type]!.schema : undefined;
}

/** Credential choices for the declared access: every way a legitimate caller of the right role may come. */
function credentialOptions(access: RouteAccess, creds: Credentials): Array<Record<string, string>> {
  const owner = { Authorization: `Bearer ${creds.ownerToken}` };
  const inWorkspace = { ...owner, "X-Workspace-ID": creds.workspaceId };
  if (access.access === "public") return [{}];
  if (access.access === "admin") return [{ Authorization: `Bearer ${creds.adminToken}` }];
  if (access.scope === null) return [access.workspaceScoped ? inWorkspace : owner];
  const keys: Array<Record<string, string>> = [{ Authorization: `Bearer ${creds.apiKey}` }, { "X-API-Key": creds.apiKey }];
  return access.workspaceScoped ? [inWorkspace, ...keys] : [owner, inWorkspace, ...keys];
}

const params = (op: Operation, where: "path" | "query" | "header") => op.parameters.filter((p) => p.in === where);

function recordOf(list: Operation["parameters"], defs: Definitions): fc.Arbitrary<Record<string, unknown>> {
  const shape = Object.fromEntries(list.map((p) => [p.name, valid(p.schema, defs)]));
  return fc.record(shape, { requiredKeys: list.filter((p) => p.required).map((p) => p.name) });
}

/** The fast-check arbitrary of one operation's requests (before the mutation is applied). */
export function drawsFor(op: Operation, defs: Definitions, pools: IdPools, creds: Credentials): fc.Arbitrary<Draw> {
  const pathShape = Object.fromEntries(
    params(op, "path").map((p) => {
      const pool = pools[p.name] ?? pools.id ?? [];
      const generated = valid(p.schema, defs).map((v) => encodeLoose(asText(v)));
      return [p.name, pool.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 4 }, { arbitrary: generated, weight: 1 }) : generated];
    }),
  );
  return fc.record({
    mutation: fc.constantFrom(...MUTATIONS),
    path: fc.record(pathShape) as fc.Arbitrary<Record<string, string>>,
    query: recordOf(params(op, "query"), defs),
    query2: recordOf(params(op, "query"), defs),
    headers: recordOf(params(op, "header"), defs),
    body: bodySchema(op) ? valid(bodySchema(op), defs) : fc.constant(undefined),
    credential: fc.nat({ max: credentialOptions(op.access, creds).length - 1 }),
    pick: fc.nat(),
    pick2: fc.nat(),
    hostile: fc.constantFrom(...HOSTILE_STRINGS),
    malformed: fc.constantFrom(...MALFORMED_UUIDS),
    binary: fc.uint8Array({ maxLength: 64 }),
  });
}

/**
 * Percent-encodes like encodeURIComponent but never throws: a lone surrogate is sent as its
 * WTF-8 bytes (%ED%A0%80), which is what a hostile client can put on the wire.
 */
export function encodeLoose(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += `%${(0xe0 | (unit >> 12)).toString(16)}%${(0x80 | ((unit >> 6) & 0x3f)).toString(16)}%${(0x80 | (unit & 0x3f)).toString(16)}`.toUpperCase();
    } else {
      out += encodeURIComponent(value[i]!);
    }
  }
  return out;
}

const asText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
/** Header values must be printable ASCII on the wire; anything else is replaced, not dropped. */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, "?");

function slotsOf(op: Operation, defs: Definitions, draw: Draw): Slot[] {
  const body = resolve(bodySchema(op), defs);
  const bodySlots: Slot[] =
    draw.body && typeof draw.body === "object" && !Array.isArray(draw.body)
      ? Object.entries((body.properties ?? {}) as Record<string, Schema>).map(([name, schema]) => ({ where: "body" as const, name, schema }))
      : [];
  return [
    ...bodySlots,
    ...params(op, "query").map((p) => ({ where: "query" as const, name: p.name, schema: p.schema })),
    ...params(op, "path").map((p) => ({ where: "path" as const, name: p.name, schema: p.schema })),
    ...params(op, "header").map((p) => ({ where: "header" as const, name: p.name, schema: p.schema })),
  ];
}

function setSlot(draw: Draw, slot: Slot, value: unknown): void {
  if (slot.where === "body") (draw.body as Record<string, unknown>)[slot.name] = value;
  else if (slot.where === "query") draw.query[slot.name] = value;
  else if (slot.where === "header") draw.headers[slot.name] = value;
  else draw.path[slot.name] = encodeLoose(asText(value));
}

const nestedDeep = (depth: number): unknown => (depth === 0 ? "bottom" : { d: nestedDeep(depth - 1) });

/** Bodies no schema describes: broken JSON, the wrong media type, too deep, too many keys, too big. */
function rawBody(pick: number): { contentType?: string; body: string } {
  const choices: Array<() => { contentType?: string; body: string }> = [
    () => ({ contentType: "application/json", body: "{" }),
    () => ({ contentType: "application/json", body: "" }),
    () => ({ contentType: "application/json", body: "[]" }),
    () => ({ contentType: "application/json", body: "null" }),
    () => ({ contentType: "application/json", body: '{"a":1,"a":2}' }),
    () => ({ contentType: "text/plain", body: '{"name":"x"}' }),
    () => ({ contentType: "application/x-www-form-urlencoded", body: "name=x" }),
    () => ({ body: '{"name":"x"}' }),
    () => ({ contentType: "application/json", body: JSON.stringify(nestedDeep(40)) }),
    () => ({ contentType: "application/json", body: JSON.stringify(Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i]))) }),
    () => ({ contentType: "application/json", body: JSON.stringify({ name: "x".repeat(70 * 1024) }) }),
    () => ({ contentType: "application/json; charset=utf-16", body: '{"name":"x"}' }),
    () => ({ contentType: "multipart/form-data; boundary=x", body: "--x\r\nbroken" }),
  ];
  return choices[pick % choices.length]!();
}

/** Applies the draw's mutation and renders the request. */
export function plan(op: Operation, defs: Definitions, creds: Credentials, draw: Draw): PlannedRequest {
  const d: Draw = structuredClone(draw);
  const slots = slotsOf(op, defs, d);
  const pickFrom = <T>(list: T[]): T | undefined => (list.length > 0 ? list[d.pick % list.length] : undefined);
  let raw: { contentType?: string; body: string } | undefined;
  let repeated = false;

  switch (d.mutation) {
    case "wrong-type": {
      const slot = pickFrom(slots);
      const value = slot && wrongValue(slot.schema, defs, d.pick2);
      if (slot && value !== undefined) setSlot(d, slot, value);
      else if (jsonMediaType(op)) d.body = wrongValue(bodySchema(op), defs, d.pick2) ?? d.body;
      break;
    }
    case "missing": {
      const required = new Set((resolve(bodySchema(op), defs).required as string[] | undefined) ?? []);
      const candidates: Slot[] = [
        ...slots.filter((s) => s.where === "body" && required.has(s.name)),
        ...op.parameters.filter((p) => p.required && (p.in === "query" || p.in === "header")).map((p) => ({ where: p.in as "query" | "header", name: p.name })),
      ];
      const slot = pickFrom(candidates);
      if (slot?.where === "body") delete (d.body as Record<string, unknown>)[slot.name];
      else if (slot?.where === "query") delete d.query[slot.name];
      else if (slot?.where === "header") delete d.headers[slot.name];
      else if (op.requestBody) d.body = undefined;
      break;
    }
    case "extra": {
      if (d.body && typeof d.body === "object" && !Array.isArray(d.body)) (d.body as Record<string, unknown>)[`fuzz_extra_${d.pick2 % 7}`] = d.hostile;
      d.query[`fuzz_extra_${d.pick2 % 5}`] = "1";
      break;
    }
    case "hostile": {
      const slot = pickFrom(slots.filter((s) => isText(s.schema, defs) || s.where !== "body"));
      if (slot) setSlot(d, slot, slot.where === "header" ? headerSafe(d.hostile) : d.hostile);
      else d.query.fuzz_hostile = d.hostile;
      break;
    }
    case "boundary": {
      const slot = pickFrom(slots.filter((s) => isNumeric(s.schema, defs)));
      if (slot) setSlot(d, slot, boundaryNumber(slot.schema, defs, d.pick2));
      else d.query.limit = boundaryNumber(undefined, defs, d.pick2);
      break;
    }
    case "malformed-id": {
      const ids = slots.filter((s) => s.where === "path" || resolve(s.schema, defs).format === "uuid");
      const slot = pickFrom(ids);
      if (slot?.where === "path") d.path[slot.name] = d.malformed; // inserted as is: some are escapes on purpose
      else if (slot) setSlot(d, slot, d.malformed);
      else d.query.id = d.malformed;
      break;
    }
    case "repeated-query":
      repeated = true;
      break;
    case "raw-body":
      if (op.method !== "get") raw = rawBody(d.pick);
      else d.query[`fuzz_${d.pick % 3}`] = [d.hostile, d.malformed];
      break;
  }

  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => d.path[name] ?? encodeLoose(crypto.randomUUID()));
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(d.query)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) pairs.push(`${encodeLoose(name)}=${encodeLoose(asText(v))}`);
    if (repeated) pairs.push(`${encodeLoose(name)}=${encodeLoose(asText(d.query2[name] ?? d.hostile))}`);
  }
  if (repeated && pairs.length === 0) pairs.push("fuzz=1", "fuzz=2");
  const url = `${path}${pairs.length ? `?${pairs.join("&")}` : ""}`;

  const headers: Record<string, string> = { ...credentialOptions(op.access, creds)[d.credential]! };
  for (const [name, value] of Object.entries(d.headers)) if (value !== undefined) headers[name] = headerSafe(asText(value));
  const init: RequestInit = { method: op.method.toUpperCase(), headers };
  if (raw) {
    if (raw.contentType) headers["content-type"] = raw.contentType;
    init.body = raw.body;
  } else if (d.body !== undefined && jsonMediaType(op)) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(d.body);
  } else if (d.body !== undefined && multipartMediaType(op)) {
    init.body = formData(d.body, resolve(bodySchema(op), defs), defs, d.binary);
  }
  const bodyText = typeof init.body === "string" ? init.body.slice(0, 160) : init.body ? "<multipart>" : "";
  return { operation: op, mutation: d.mutation, url, init, describe: `${init.method} ${url.slice(0, 300)} [${Object.keys(headers).join(",")}] ${bodyText}` };
}

function formData(body: unknown, schema: { [keyword: string]: unknown }, defs: Definitions, binary: Uint8Array): FormData {
  const form = new FormData();
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const field = resolve(properties[name], defs);
    if (field.format === "binary") form.append(name, new File([binary], "fuzz.zip", { type: "application/zip" }));
    else form.append(name, asText(value));
  }
  return form;
}
