import { beforeAll, describe, expect, it } from "vitest";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { adminHeaders, catalogReaderHeaders, post, publisher } from "./helpers";

// Design §2 as amended by the hardening issue (item 5): versions are never reused but need not be
// higher than every number used; the listed version is the highest approved stable one.

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
  reader = await catalogReaderHeaders(db());
});

interface Detail {
  version: string;
  listed_prerelease: boolean;
  versions: Array<{ version: string; prerelease: boolean }>;
}

/** A published skill whose versions the test drives: submit(version) then approve or reject it. */
async function skillItem() {
  const p = await publisher(db());
  const skill = await p.create("skills", { name: `Versions ${uniqueToken()}` });
  let itemId = "";
  return {
    async submit(version?: string) {
      const response = await p.submit({ item_id: skill.id, ...(version ? { version } : {}), changelog: `Notes for ${version}` });
      if (response.status === 201) itemId = ((await response.clone().json()) as { item_id: string }).item_id;
      return response;
    },
    async release(version: string) {
      const submitted = await this.submit(version);
      expect(submitted.status, await submitted.clone().text()).toBe(201);
      const approved = await post(`/api/marketplace/items/${itemId}/approve`, {}, admin);
      expect(approved.status).toBe(200);
      return (await approved.json()) as { version: string; latest: boolean };
    },
    async reject(version: string) {
      expect((await this.submit(version)).status).toBe(201);
      expect((await post(`/api/marketplace/items/${itemId}/reject`, { reason: "Not this one" }, admin)).status).toBe(200);
    },
    /** What a non-admin sees (through the generation-keyed cache). */
    async detail() {
      const response = await api(`/api/marketplace/items/${itemId}`, { headers: reader });
      expect(response.status).toBe(200);
      return (await response.json()) as Detail;
    },
  };
}

describe("pre-releases and maintenance releases", () => {
  it("keeps 1.0.0 listed when 1.1.0-beta.1 is approved, then accepts and lists 1.0.1 (the issue's example)", async () => {
    const item = await skillItem();
    await item.release("1.0.0");
    expect(await item.release("1.1.0-beta.1")).toEqual(expect.objectContaining({ version: "1.1.0-beta.1", latest: false }));
    const afterBeta = await item.detail();
    expect(afterBeta).toMatchObject({ version: "1.0.0", listed_prerelease: false });
    expect(afterBeta.versions).toEqual([
      expect.objectContaining({ version: "1.1.0-beta.1", prerelease: true }),
      expect.objectContaining({ version: "1.0.0", prerelease: false }),
    ]);

    // The security fix on the stable line is no longer refused as "not newer".
    expect(await item.release("1.0.1")).toEqual(expect.objectContaining({ version: "1.0.1", latest: true }));
    const afterFix = await item.detail();
    expect(afterFix.version).toBe("1.0.1");
    expect(afterFix.versions.map((v) => v.version)).toEqual(["1.1.0-beta.1", "1.0.1", "1.0.0"]);
  });

  it("accepts a maintenance release below a newer major, without listing it", async () => {
    const item = await skillItem();
    await item.release("1.0.0");
    await item.release("2.0.0");
    expect(await item.release("1.0.1")).toEqual(expect.objectContaining({ latest: false }));
    expect((await item.detail()).version).toBe("2.0.0");
  });

  it("lists the highest pre-release of an item with no stable version, and says so", async () => {
    const item = await skillItem();
    await item.release("1.0.0-beta.1");
    expect(await item.detail()).toMatchObject({ version: "1.0.0-beta.1", listed_prerelease: true });
    expect(await item.release("1.0.0-beta.2")).toEqual(expect.objectContaining({ latest: true }));
    expect(await item.detail()).toMatchObject({ version: "1.0.0-beta.2", listed_prerelease: true });
    await item.release("1.0.0");
    expect(await item.detail()).toMatchObject({ version: "1.0.0", listed_prerelease: false });
  });
});

describe("version numbers are never reused, and refusals say why", () => {
  it("refuses 2.0.0 after a rejected 2.0.0, naming the rejected submission", async () => {
    const item = await skillItem();
    await item.release("1.0.0");
    await item.reject("2.0.0");
    const again = await item.submit("2.0.0");
    expect(again.status).toBe(409);
    const body = await problem(again);
    expect(body.code).toBe("version_conflict");
    expect(body.detail).toContain("2.0.0 was used by a rejected submission");
  });

  it("refuses an approved number, and the same number with other build metadata", async () => {
    const item = await skillItem();
    await item.release("1.0.0");
    const same = await problem(await item.submit("1.0.0"));
    expect(same).toMatchObject({ status: 409, code: "version_conflict" });
    expect(same.detail).toContain("1.0.0 was used by an approved version");
    const build = await problem(await item.submit("1.0.0+build.7"));
    expect(build).toMatchObject({ status: 409, code: "version_conflict" });
    expect(build.detail).toContain("equals 1.0.0 (build metadata is ignored)");
  });

  it("without a version, bumps the patch of the highest stable number ever used", async () => {
    const item = await skillItem();
    await item.release("1.0.0");
    await item.reject("1.3.0");
    await item.release("2.0.0-rc.1");
    const next = await item.submit();
    expect(await next.json()).toMatchObject({ version: "1.3.1" });
  });
});
