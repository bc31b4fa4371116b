// @module-tag pglite (issue 26 item 12, tested on both databases: a refused token must write no user row)
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

// GET /api/workspaces needs a signed-in user and no workspace: the plainest authenticated route.
const whoCanList = (headers: Record<string, string>) => api("/api/workspaces", { headers });

// Issue 26 item 12: PostgreSQL cannot store a NUL (it answered 500), and a lone surrogate is
// replaced by U+FFFD on the way to the database, so two different subjects could become one user.
describe("Clerk session tokens: claims that are not text, or too long to key a row, are 401 token_claims_invalid, never a 500", () => {
  const NUL = "\u0000";
  const LONE_HIGH = "\uD800";
  const LONE_LOW = "\uDC00";
  const cases: Array<[string, (sub: string) => Parameters<typeof signToken>[0]]> = [
    ["a NUL in sub", (sub) => ({ sub: `${sub}${NUL}` })],
    ["a lone high surrogate in sub", (sub) => ({ sub: `${sub}${LONE_HIGH}` })],
    ["a lone low surrogate in sub", (sub) => ({ sub: `${sub}${LONE_LOW}` })],
    ["another control character in sub", (sub) => ({ sub: `${sub}\u001b[2J` })],
    ["a NUL in email", (sub) => ({ sub, email: `a${NUL}@example.test` })],
    ["a control character in email", (sub) => ({ sub, email: `a\u0007@example.test` })],
    ["a lone surrogate in email", (sub) => ({ sub, email: `a${LONE_HIGH}@example.test` })],
    ["a NUL in name", (sub) => ({ sub, name: `Eve${NUL}` })],
    ["a lone surrogate in name", (sub) => ({ sub, name: `Eve${LONE_LOW}` })],
    ["a NUL in the org claims", (sub) => ({ sub, claims: { o: { id: `org_${NUL}`, rol: "admin" }, org_id: `org_${NUL}` } })],
    ["a lone surrogate in the org claims", (sub) => ({ sub, claims: { o: { id: "org_1", slg: `x${LONE_HIGH}` }, org_slug: `x${LONE_HIGH}` } })],
    ["a NUL in a key of a custom claim", (sub) => ({ sub, claims: { metadata: { [`k${NUL}`]: "v" } } })],
    // A unique or indexed column refuses entries past about 2.7 KB: these answered 500.
    ["a 4,000-character sub", (sub) => ({ sub: `${sub}${"a".repeat(4000)}` })],
    ["a 4,000-character email", (sub) => ({ sub, email: `${"a".repeat(4000)}@example.test` })],
    ["a sub of 256 characters", (sub) => ({ sub: `${sub}${"a".repeat(256 - sub.length)}` })],
    ["a bidi override in email", (sub) => ({ sub, email: `eve\u202E@example.test` })],
    ["a zero-width space in sub", (sub) => ({ sub: `${sub}\u200B` })],
  ];

  for (const [name, options] of cases) {
    it(`refuses ${name}`, async () => {
      const sub = `user_${uniqueToken()}`;
      const response = await whoCanList(bearer(await signToken(options(sub))));
      const body = await problem(response);
      expect({ status: response.status, code: body.code }).toEqual({ status: 401, code: "token_claims_invalid" });
      expect(JSON.stringify(body)).not.toMatch(/postgres|sql|stack|0x00|invalid byte sequence/i);
      expect(await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub))).toEqual([]);
    });
  }

  it("takes a sub of 255 characters and an e-mail of 320", async () => {
    const sub = `user_${uniqueToken()}`.padEnd(255, "x");
    const email = `${"b".repeat(320 - "@example.test".length)}@example.test`;
    const response = await whoCanList(bearer(await signToken({ sub, email })));
    expect(response.status).toBe(200);
    const [user] = await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub));
    expect(user?.email).toBe(email);
  });

  it("stores a name with bidi, line-separator or control characters cleaned (shown, never compared), and cuts it to 200 characters", async () => {
    const sub = `user_${uniqueToken()}`;
    const response = await whoCanList(bearer(await signToken({ sub, name: "Eve\u202Egnp.exe\u2028Admin\u001b[2J" })));
    expect(response.status).toBe(200);
    const [user] = await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub));
    expect(user?.name).toBe("Eve gnp.exe Admin [2J");

    const long = `user_${uniqueToken()}`;
    expect((await whoCanList(bearer(await signToken({ sub: long, name: "N".repeat(5000) })))).status).toBe(200);
    const [named] = await db().select().from(schema.users).where(eq(schema.users.clerkUserId, long));
    expect(named?.name).toBe("N".repeat(200));
  });

  it("still accepts names and e-mails with any visible text (accents, CJK, emoji, bidi-free)", async () => {
    const sub = `user_${uniqueToken()}`;
    const response = await whoCanList(bearer(await signToken({ sub, email: `zoë.李@example.test`, name: "Zoë 李 🚀" })));
    expect(response.status).toBe(200);
    const [user] = await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub));
    expect(user).toMatchObject({ email: "zoë.李@example.test", name: "Zoë 李 🚀" });
  });
});

