import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { OPEN_REPORTS_PER_WORKSPACE } from "../../src/domain/reports";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { useDatabase } from "../helpers/db";
import { problem } from "../helpers/http";
import { adminHeaders } from "../publishing/helpers";
import { keyReporter, report, resolve } from "./helpers";

/**
 * Requests racing each other (PostgreSQL only, design.md §47): the unique indexes and the
 * per-workspace lock keep the limits exact; concurrent resolves act once.
 */

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

const skill = async () => (await createMarketplaceItem(db(), { type: "skill", name: `Raced ${uniqueToken()}` })).item;

describe("reports racing", () => {
  it("lands one of five identical reports sent at once; the others are 409 report_exists", async () => {
    const r = await keyReporter(db());
    const item = await skill();
    const responses = await Promise.all(Array.from({ length: 5 }, () => report("items", item.id, { reason: "spam" }, r.headers)));
    expect(responses.map((x) => x.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const x of responses.filter((x) => x.status === 409)) expect((await problem(x)).code).toBe("report_exists");
  });

  it(`lands exactly ${OPEN_REPORTS_PER_WORKSPACE} of ${OPEN_REPORTS_PER_WORKSPACE + 5} reports on different items sent at once`, async () => {
    const r = await keyReporter(db());
    const items = await Promise.all(Array.from({ length: OPEN_REPORTS_PER_WORKSPACE + 5 }, () => skill()));
    const statuses = (await Promise.all(items.map((item) => report("items", item.id, { reason: "spam" }, r.headers)))).map((x) => x.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(OPEN_REPORTS_PER_WORKSPACE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const open = await db().select().from(schema.reports).where(eq(schema.reports.workspaceId, r.workspace.id));
    expect(open).toHaveLength(OPEN_REPORTS_PER_WORKSPACE);
  });

  it("applies one of two quarantines resolved at once; the other is 409 and resolves nothing", async () => {
    const item = await skill();
    expect((await report("items", item.id, { reason: "malware", version: "1.0.0" }, (await keyReporter(db())).headers)).status).toBe(201);
    const body = { subject: { item_id: item.id, version: "1.0.0" }, action: "quarantine", note: "Steals tokens." };
    const [x, y] = await Promise.all([resolve(body, admin), resolve(body, admin)]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    const actions = await db().select().from(schema.moderationActions).where(eq(schema.moderationActions.itemId, item.id));
    expect(actions).toHaveLength(1);
    expect(actions[0]!.reportsResolved).toBe(1);
  });
});
