import fc from "fast-check";

/** A JSON Schema (2020-12, as OpenAPI 3.1 embeds it) node. */
export type Schema = { [keyword: string]: unknown } | boolean;
export type Definitions = Record<string, Schema>;

const REF_PREFIX = "#/components/schemas/";

/** Follows `$ref`s into the document's components and merges `allOf`, so generators see plain nodes. */
export function resolve(schema: Schema | undefined, defs: Definitions): { [keyword: string]: unknown } {
  if (schema === undefined || typeof schema === "boolean") return {};
  if (typeof schema.$ref === "string" && schema.$ref.startsWith(REF_PREFIX)) {
    return resolve(defs[schema.$ref.slice(REF_PREFIX.length)], defs);
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const parts = (allOf as Schema[]).map((part) => resolve(part, defs));
    return parts.reduce<{ [keyword: string]: unknown }>(
      (merged, part) => ({
        ...merged,
        ...part,
        properties: { ...(merged.properties as object), ...(part.properties as object) },
        required: [...((merged.required as string[]) ?? []), ...((part.required as string[]) ?? [])],
      }),
      rest,
    );
  }
  return schema;
}

function types(schema: { [keyword: string]: unknown }): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === "string") return [schema.type];
  if (schema.properties) return ["object"];
  return [];
}

// Generated strings stay short so a run spends its time on requests, not on megabyte bodies; the
// hostile values add the long ones on purpose.
const MAX_GENERATED_LENGTH = 40;
const MAX_GENERATED_ITEMS = 4;

function stringArbitrary(schema: { [keyword: string]: unknown }): fc.Arbitrary<string> {
  switch (schema.format) {
    case "uuid":
      return fc.uuid({ version: 4 });
    case "date-time":
      return fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
    case "email":
      return fc.emailAddress();
    case "uri":
    case "url":
      return fc.webUrl();
  }
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = Math.max(minLength, Math.min((schema.maxLength as number | undefined) ?? MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH));
  if (typeof schema.pattern === "string") {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= ((schema.maxLength as number) ?? Infinity));
  }
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: "grapheme" }),
    // Whole-range values as well, so boundaries are met often rather than by luck.
    fc.constant("x".repeat(Math.max(minLength, Math.min((schema.maxLength as number | undefined) ?? 0, 5000)) || minLength)),
  );
}

function numberArbitrary(schema: { [keyword: string]: unknown }, integer: boolean): fc.Arbitrary<number> {
  const min = (schema.minimum as number | undefined) ?? (schema.exclusiveMinimum !== undefined ? (schema.exclusiveMinimum as number) + 1 : -1_000_000);
  const max = (schema.maximum as number | undefined) ?? (schema.exclusiveMaximum !== undefined ? (schema.exclusiveMaximum as number) - 1 : 1_000_000);
  const within = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(within, fc.constantFrom(min, max));
}

/** Values that satisfy `schema` (the request side: what a correct client may send). */
export function valid(schema: Schema | undefined, defs: Definitions, depth = 0): fc.Arbitrary<unknown> {
  const node = resolve(schema, defs);
  if ("const" in node) return fc.constant(node.const);
  if (Array.isArray(node.enum)) return fc.constantFrom(...(node.enum as unknown[]));
  const options = types(node);
  if (options.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...options.map((type) => validOfType(node, type, defs, depth)));
}

function validOfType(node: { [keyword: string]: unknown }, type: string, defs: Definitions, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return numberArbitrary(node, true);
    case "number":
      return numberArbitrary(node, false);
    case "string":
      return stringArbitrary(node);
    case "array": {
      const minLength = (node.minItems as number | undefined) ?? 0;
      const maxLength = Math.max(minLength, Math.min((node.maxItems as number | undefined) ?? MAX_GENERATED_ITEMS, MAX_GENERATED_ITEMS));
      return fc.array(valid(node.items as Schema, defs, depth + 1), { minLength, maxLength });
    }
    case "object": {
      const properties = (node.properties ?? {}) as Record<string, Schema>;
      const required = new Set((node.required as string[] | undefined) ?? []);
      if (Object.keys(properties).length === 0 || depth > 4) {
        return depth > 4 ? fc.constant({}) : fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      }
      const shape = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, valid(value, defs, depth + 1)]));
      return fc.record(shape, { requiredKeys: [...required].filter((key) => key in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

const WRONG_VALUES: ReadonlyArray<[string, unknown]> = [
  ["string", "7"],
  ["integer", 0],
  ["boolean", true],
  ["null", null],
  ["array", [1, "a"]],
  ["object", { nested: { deeper: true } }],
  ["number", 0.5],
  ["string", ""],
  ["integer", 2 ** 53 + 1],
  ["array", []],
  ["object", {}],
];

/**
 * A value of a JSON type the schema does not allow, the `pick`-th such (wrapping), or `undefined`
 * when the schema allows every type. Deterministic, so the run's seed alone replays it.
 */
export function wrongValue(schema: Schema | undefined, defs: Definitions, pick: number): unknown {
  const allowed = new Set(types(resolve(schema, defs)));
  if (allowed.size === 0) return undefined;
  if (allowed.has("number")) allowed.add("integer");
  const wrong = WRONG_VALUES.filter(([type]) => !allowed.has(type) && !(type === "number" && allowed.has("integer")));
  return wrong.length > 0 ? wrong[pick % wrong.length]![1] : undefined;
}

/** Whether the schema takes numbers (the slots boundary values go to). */
export function isNumeric(schema: Schema | undefined, defs: Definitions): boolean {
  return types(resolve(schema, defs)).some((type) => type === "integer" || type === "number");
}

/** Whether the schema takes strings (the slots hostile strings go to). */
export function isText(schema: Schema | undefined, defs: Definitions): boolean {
  const node = resolve(schema, defs);
  return types(node).includes("string") || types(node).length === 0;
}

/** Numbers on and just outside the schema's bounds, plus the spellings parsers get wrong; the `pick`-th (wrapping). */
export function boundaryNumber(schema: Schema | undefined, defs: Definitions, pick: number): number | string {
  const node = resolve(schema, defs);
  const edges: Array<number | string> = [-1, 0, -0, 2 ** 31, 2 ** 53 + 1, 1e308, "1e309", "-1e309", "0x10", "1.5", "NaN", "Infinity", " 1"];
  for (const bound of [node.minimum, node.maximum, node.exclusiveMinimum, node.exclusiveMaximum]) {
    if (typeof bound === "number") edges.push(bound - 1, bound, bound + 1);
  }
  return edges[pick % edges.length]!;
}

/** Strings that have broken parsers, databases or renderers somewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "\udbff\udfff\ud800",
  "\u202eevil\u202c",
  "\u2066isolate\u2069",
  "zero\u200bwidth",
  "\ufeffbom",
  "e\u0301\u0301\u0301\u0301",
  "\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67",
  "",
  " ",
  "\t\r\n",
  "x".repeat(201),
  "x".repeat(5001),
  "é".repeat(5001),
  "' OR '1'='1",
  "\"; DROP TABLE items; --",
  "%00",
  "%",
  "..%2f..%2f",
  "<script>alert(1)</script>",
  "${7*7}{{7*7}}",
  "\\u0000",
  "null",
  "[object Object]",
  "__proto__",
];

/** Path parameters that look like an id but are not a valid one. */
export const MALFORMED_UUIDS: readonly string[] = [
  "not-a-uuid",
  "00000000-0000-0000-0000-00000000000g",
  "00000000000000000000000000000000",
  "123e4567-e89b-12d3-a456-4266141740000",
  "123E4567-E89B-42D3-A456-426614174000",
  "{123e4567-e89b-42d3-a456-426614174000}",
  "123e4567-e89b-42d3-a456-42661417400",
  "-1",
  "0",
  "%00",
  "%ED%A0%80",
  "%E2%80%AE",
  "..",
  "%2e%2e%2f",
  "a".repeat(600),
  "'or'1'='1",
];
