// @module-tag pglite (name uniqueness through expression indexes: also run on the embedded database; test/suite-layout.ts)
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { adminHeaders, post, publisher } from "./helpers";

// Issue 9 item 3. Marketplace rows belong to no tenant: every name here carries a token of its own.
const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
beforeAll(async () => {
  admin = await adminHeaders(db());
});

interface NameTaken {
  code: string;
  existing_item?: { id: string; name: string };
  errors?: Array<{ path: string; message: string }>;
}

/** A workspace skill with a plain name, submitted under `name`. */
async function submitSkillAs(name: string) {
  const p = await publisher(db());
  const skill = await p.create("skills", { name: `Source ${uniqueToken()}` });
  return p.submit({ item_id: skill.id, name });
}

async function expectNameTaken(response: Response, holder: { id: string; name: string }) {
  expect(response.status).toBe(409);
  const body = (await problem(response)) as unknown as NameTaken;
  expect(body.code).toBe("name_taken");
  expect(body.existing_item).toEqual({ id: holder.id, name: holder.name });
}

describe("look-alike marketplace names: 409 name_taken naming the item that holds the name", () => {
  it.each([
    ["a Cyrillic с", (t: string) => `Ti\u0441ket Triage ${t}`],
    ["a no-break space", (t: string) => `Ticket\u00a0Triage ${t}`],
    ["two spaces", (t: string) => `Ticket  Triage ${t}`],
    ["full-width letters", (t: string) => `\uff34\uff49\uff43\uff4b\uff45\uff54 Triage ${t}`],
    // Variant: Cyrillic е in upper case plus a mathematical bold T.
    ["a Cyrillic Е and a mathematical bold T", (t: string) => `\u{1D413}ICK\u0415T TRIAGE ${t}`],
  ])("refuses a name with %s next to “Ticket Triage”", async (_label, lookalike) => {
    const token = uniqueToken();
    const { item } = await createMarketplaceItem(db(), { type: "skill", name: `Ticket Triage ${token}` });
    await expectNameTaken(await submitSkillAs(lookalike(token)), item);
  });

  it("treats Caf\\u00e9 and Cafe\\u0301 as one name, stored composed", async () => {
    const token = uniqueToken();
    const first = await submitSkillAs(`Caf\u00e9 ${token}`);
    expect(first.status).toBe(201);
    const { item_id } = (await first.json()) as { item_id: string };
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item_id));
    expect(row!.name).toBe(`Caf\u00e9 ${token}`);
    await expectNameTaken(await submitSkillAs(`Cafe\u0301 ${token}`), { id: item_id, name: `Caf\u00e9 ${token}` });
  });

  it("keeps a removed item's name reserved against look-alikes too", async () => {
    const token = uniqueToken();
    const first = (await (await submitSkillAs(`Reserved ${token}`)).json()) as { item_id: string };
    await post(`/api/marketplace/items/${first.item_id}/approve`, {}, admin);
    expect((await api(`/api/marketplace/items/${first.item_id}`, { method: "DELETE", headers: admin })).status).toBe(200);
    await expectNameTaken(await submitSkillAs(`RESERVED\u00a0${token}`), { id: first.item_id, name: `Reserved ${token}` });
  });

  it("names the holder when approval meets a look-alike that was listed after the version was submitted", async () => {
    const token = uniqueToken();
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `Alpha ${token}` });
    const { item_id } = (await (await p.submit({ item_id: skill.id })).json()) as { item_id: string };
    await post(`/api/marketplace/items/${item_id}/approve`, {}, admin);
    // A new version renames the item; until it is approved the name is not the item's.
    expect((await p.submit({ item_id: skill.id, name: `Beta ${token}` })).status).toBe(201);
    const other = (await (await submitSkillAs(`BETA ${token}`)).json()) as { item_id: string };

    await expectNameTaken(await post(`/api/marketplace/items/${item_id}/approve`, {}, admin), { id: other.item_id, name: `BETA ${token}` });
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item_id));
    expect(row!.name).toBe(`Alpha ${token}`);
  });

  it("lets the database decide between two concurrent look-alike submissions", async () => {
    const token = uniqueToken();
    const responses = await Promise.all([submitSkillAs(`Race ${token}`), submitSkillAs(`R\u0430ce ${token}`)]);
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    const refused = responses.find((r) => r.status === 409)!;
    const body = (await problem(refused)) as unknown as NameTaken;
    expect(body.code).toBe("name_taken");
    expect(body.existing_item?.name).toMatch(new RegExp(`^R.ce ${token}$`));
  });

  it("still accepts a different name, and the same name for another type", async () => {
    const token = uniqueToken();
    await createMarketplaceItem(db(), { type: "skill", name: `Ticket Triage ${token}` });
    expect((await submitSkillAs(`Ticket Triage Pro ${token}`)).status).toBe(201);
    const p = await publisher(db());
    const agent = await p.create("agents", { name: `Source ${uniqueToken()}` });
    expect((await p.submit({ item_id: agent.id, name: `Ticket Triage ${token}` })).status).toBe(201);
  });
});

describe("invisible and control characters: 400 validation_failed naming the field", () => {
  const refused = [
    ["a trailing zero-width space", "Ticket Triage\u200b", "U+200B"],
    ["only a zero-width space", "\u200b", "U+200B"],
    ["a right-to-left override", "\u202eegairT tekciT", "U+202E"],
    ["a bell", "\u0007", "U+0007"],
    ["a newline", "Ticket\nTriage", "U+000A"],
    // Variant: a right-to-left isolate.
    ["a right-to-left isolate", "\u2067Ticket Triage", "U+2067"],
  ] as const;

  it.each(refused)("refuses a submitted name with %s", async (_label, name, code) => {
    const response = await submitSkillAs(name);
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.errors).toEqual([{ path: "json.name", message: expect.stringContaining(code) }]);
  });

  it.each(refused)("refuses a workspace item name with %s, on create and on update", async (_label, name, code) => {
    const p = await publisher(db());
    const created = await api("/api/agents", jsonRequest("POST", { name }, p.headers));
    expect(created.status).toBe(400);
    expect((await problem(created)).errors).toEqual([{ path: "json.name", message: expect.stringContaining(code) }]);
    const agent = await p.create("agents", { name: `Fine ${uniqueToken()}` });
    const updated = await api(`/api/agents/${agent.id}`, jsonRequest("PATCH", { name }, p.headers));
    expect(updated.status).toBe(400);
    expect((await problem(updated)).errors).toEqual([{ path: "json.name", message: expect.stringContaining(code) }]);
  });
});

describe("workspace item names", () => {
  it("are stored NFC with spaces collapsed, on create and on update", async () => {
    const token = uniqueToken();
    const p = await publisher(db());
    const agent = await p.create("agents", { name: ` Ticket\u00a0\u00a0Triage  ${token} ` });
    expect(agent.name).toBe(`Ticket Triage ${token}`);
    const updated = await api(`/api/agents/${agent.id}`, jsonRequest("PATCH", { name: `Cafe\u0301\u2003${token}` }, p.headers));
    expect(((await updated.json()) as { name: string }).name).toBe(`Caf\u00e9 ${token}`);
  });

  it("stay unique per workspace ignoring case, the 409 naming the existing item; look-alikes and other workspaces are not affected", async () => {
    const token = uniqueToken();
    const p = await publisher(db());
    const first = await p.create("skills", { name: `Ticket Triage ${token}` });
    const clash = await api("/api/skills", jsonRequest("POST", { name: `TICKET\u00a0TRIAGE ${token}` }, p.headers));
    await expectNameTaken(clash, first);
    const other = await p.create("skills", { name: `Other ${token}` });
    await expectNameTaken(await api(`/api/skills/${other.id}`, jsonRequest("PATCH", { name: `ticket triage ${token}` }, p.headers)), first);
    // Within a workspace the rule is design.md §6's lower(name): a look-alike is the owner's own business.
    expect((await api("/api/skills", jsonRequest("POST", { name: `Ti\u0441ket Triage ${token}` }, p.headers))).status).toBe(201);
    expect((await (await publisher(db())).create("skills", { name: `Ticket Triage ${token}` })).name).toBe(`Ticket Triage ${token}`);
  });
});
