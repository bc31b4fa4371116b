import { Validator } from "@cfworker/json-schema";
import type { Definitions, Schema } from "./schema-arbitrary";
import type { PlannedRequest } from "./requests";

/**
 * What no response may contain, whatever the input: a stack frame, text from PostgreSQL or its
 * drivers, or a source path. Specific on purpose: bodies echo user input (a name may well say
 * "select from"), and the fuzzer's own hostile strings contain none of these.
 */
const LEAKS: Array<[string, RegExp]> = [
  ["stack trace", /\n\s+at \S|\bat [\w.<>]+ \([^)]*:\d+:\d+\)/],
  ["SQL text", /syntax error at or near|violates (unique|foreign key|check|not-null) constraint|duplicate key value|relation "[^"]+"|column "[^"]+" (of|does)|SQLSTATE|Failed query:|PostgresError|NeonDbError|DrizzleQueryError|\bselect\s+[\w".*, ]+\s+from\s+"/i],
  ["file path", /node_modules|file:\/\/|\/(src|test|scripts)\/[\w/.-]+\.(ts|js|mjs)\b|\.(ts|js):\d+:\d+/],
];

/** Validators for declared response schemas, compiled once each (workerd forbids eval, so no ajv). */
export class ResponseSchemas {
  private readonly validators = new Map<Schema, Validator>();
  constructor(private readonly defs: Definitions) {}

  private validatorFor(schema: Schema): Validator {
    let validator = this.validators.get(schema);
    if (!validator) {
      // OpenAPI keeps shared schemas under components/schemas; a JSON Schema validator resolves
      // local refs only inside the schema, so they travel along as $defs.
      const rewritten = JSON.parse(JSON.stringify({ ...(schema as object), $defs: this.defs }).replaceAll('"#/components/schemas/', '"#/$defs/'));
      validator = new Validator(rewritten, "2020-12", false);
      this.validators.set(schema, validator);
    }
    return validator;
  }

  validate(schema: Schema, value: unknown): string[] {
    const result = this.validatorFor(schema).validate(value);
    return result.valid ? [] : result.errors.slice(0, 3).map((e) => `${e.instanceLocation}: ${e.error}`);
  }
}

/** Every way the response breaks the contract; empty when it keeps it. */
export async function contractViolations(request: PlannedRequest, response: Response, schemas: ResponseSchemas): Promise<string[]> {
  const problems: string[] = [];
  const text = await response.text();
  const status = String(response.status);
  if (response.status >= 500) problems.push(`status ${status} (5xx)`);
  const declared = request.operation.responses[status];
  if (!declared) problems.push(`status ${status} is not declared (declared: ${Object.keys(request.operation.responses).join(", ")})`);
  for (const [what, pattern] of LEAKS) if (pattern.test(text)) problems.push(`the body contains a ${what}`);

  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const content = declared?.content;
  if (declared && !content && text.length > 0) problems.push(`status ${status} declares no body, got ${mediaType}`);
  if (content) {
    const media = content[mediaType];
    if (!media) problems.push(`content type "${mediaType}" is not declared for ${status} (declared: ${Object.keys(content).join(", ")})`);
    else if (media.schema !== undefined && /json/.test(mediaType)) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(`the ${mediaType} body is not JSON`);
      }
      if (body !== undefined) problems.push(...schemas.validate(media.schema, body).map((e) => `body does not match the schema: ${e}`));
    }
  }
  return problems.length > 0 ? [...problems, `body: ${text.slice(0, 300)}`] : [];
}
