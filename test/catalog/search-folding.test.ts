// @module-tag pglite (search_fold uses normalize(), in a generated column and expression indexes: design.md §47)
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { foldSearchText } from "../../src/domain/search-query";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";
import { adminHeaders, catalogReaderHeaders } from "../publishing/helpers";
import { approvedPlugin } from "../plugins/in-use-helpers";

// Issue 30 item 1 (npm/www#389; NuGet/NuGetGallery#3186): an item is found by its exact name, its
// ASCII form and its single words, whatever compatibility forms (full-width letters, ligatures,
// enclosed letters) the name holds: index and query go through one folding, search_fold (NFKC,
// then lower case), for names, descriptions and tags, items and plugins, the exact-name tier included.

const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("fold");
let reader: Record<string, string>;
const ids: Record<string, string> = {};

async function itemSearch(search: string) {
  const response = await api(`/api/marketplace/items?tags=${TAG}&search=${encodeURIComponent(search)}`, { headers: reader });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { items: Array<{ id: string; name: string }> }).items.map((i) => i.id);
}

async function pluginSearch(search: string) {
  const response = await api(`/api/marketplace/plugins?tags=${TAG}&search=${encodeURIComponent(search)}`, { headers: reader });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id);
}

// A token of this run in each name, so the names stay unique across runs (design.md §21).
const RUN = uniqueToken("r");
const NAMES = {
  fullwidth: `Ｆｕｌｌｗｉｄｔｈ 9gyj ${RUN}`,
  ligature: `ﬁnance ligature 9gyj ${RUN}`,
  circled: `Ⓐgent Circle 9yb8 ${RUN}`,
  plugin: `Ｗｉｄｅ Plugin 9yb8 ${RUN}`,
};

beforeAll(async () => {
  reader = await catalogReaderHeaders(db());
  const skill = async (name: string, extra: { description?: string; tags?: string[] } = {}) =>
    (await createMarketplaceItem(db(), { type: "skill", name, description: extra.description, tags: [TAG, ...(extra.tags ?? [])] })).item.id;
  ids.fullwidth = await skill(NAMES.fullwidth);
  ids.ligature = await skill(NAMES.ligature);
  ids.circled = await skill(NAMES.circled);
  // The ASCII twin of the full-width name, longer: the full-width item is the exact name and must rank first.
  ids.asciiLonger = await skill(`Fullwidth 9gyj ${RUN} extra`);
  // Folding in descriptions and tags too.
  ids.described = await skill(`Described ${RUN}`, { description: "Ｑｕａｒｔｅｒｌｙ ﬂow reports", tags: ["ｍｏｎｔｈｌｙ"] });
  const { plugin_id } = await approvedPlugin(await adminHeaders(db()));
  await db().update(schema.marketplacePlugins).set({ name: NAMES.plugin, tags: [TAG], description: "Ｆｏｌｄｅｄ ﬂags" }).where(eq(schema.marketplacePlugins.id, plugin_id));
  ids.plugin = plugin_id;
});

describe("search folds index and query the same way (NFKC, lower case)", () => {
  it("finds the issue's skills by their exact name, their ASCII form and single words, the exact name ranked first", async () => {
    const cases: Array<[string, string[]]> = [
      [NAMES.fullwidth, ["fullwidth 9gyj", "Fullwidth", "9gyj", "ｆｕｌｌ", `FULLWIDTH 9GYJ ${RUN}`]],
      [NAMES.ligature, ["finance ligature 9gyj", "finance", "ﬁnance", "ligature", "fin"]],
      [NAMES.circled, ["Agent Circle 9yb8", "agent", "ⓐgent", "circle", "9yb8"]],
    ];
    for (const [name, queries] of cases) {
      const id = ids[Object.entries(NAMES).find(([, n]) => n === name)![0]]!;
      // The exact name as stored, and its ASCII form in full: the exact-name tier puts it first.
      expect((await itemSearch(name))[0], name).toBe(id);
      expect((await itemSearch(foldSearchText(name)))[0], `${name} folded`).toBe(id);
      for (const q of queries) expect(await itemSearch(`${q} ${RUN}`), `${name}: ${q}`).toContain(id);
    }
    // The ASCII twin starts with the query too, but only the full-width name equals it.
    const ranked = await itemSearch(`Fullwidth 9gyj ${RUN}`);
    expect(ranked.slice(0, 2)).toEqual([ids.fullwidth, ids.asciiLonger]);
  });

  it("folds descriptions and tags, and the plugin list (name and description)", async () => {
    expect(await itemSearch(`quarterly ${RUN}`)).toEqual([ids.described]);
    expect(await itemSearch(`flow ${RUN}`)).toEqual([ids.described]);
    expect(await itemSearch(`monthly ${RUN}`)).toEqual([ids.described]);
    for (const q of [NAMES.plugin, `Wide Plugin 9yb8 ${RUN}`, "wide", "9yb8", "ｗｉｄｅ", "folded flags"]) {
      expect(await pluginSearch(q), q).toContain(ids.plugin);
    }
    expect((await pluginSearch(`wide plugin 9yb8 ${RUN}`))[0]).toBe(ids.plugin);
  });

  it("the query's folding (foldSearchText) and the index's (SQL search_fold) agree", async () => {
    // Final sigma and dotted capital I are where JavaScript's whole-string toLowerCase() and
    // PostgreSQL's lower() part ways (found by the fresh-eyes review of issue 30).
    const samples = [...Object.values(NAMES), "Ｑｕａｒｔｅｒｌｙ ﬂow", "Ⅻ ㍿ ½ ｶ", "Straße İstanbul", "ΚΟΣΜΟΣ ΧΑΟΣ", "İzmir İtag", "ǅemal Ⓐ"];
    const [probe] = await db().execute<{ unicode: boolean }>(sql`select lower('ΣÉ') = 'σé' as unicode`).then((r) => r.rows);
    for (const text of samples) {
      const [row] = await db().execute<{ folded: string }>(sql`select search_fold(${text}) as folded`).then((r) => r.rows);
      const expected = foldSearchText(text);
      // A database whose lower() maps only ASCII (a C locale) is compared exactly on ASCII results only.
      if (probe!.unicode || /^[\x00-\x7f]*$/.test(expected)) expect(row!.folded, text).toBe(expected);
      else expect(row!.folded.normalize("NFKC"), text).toBe(row!.folded);
    }
    // Both databases this suite runs on lower Unicode letters: the exact comparison above ran.
    expect(probe!.unicode).toBe(true);
  });
});
