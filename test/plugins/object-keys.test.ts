// @module-tag pglite (issue 26 item 11, tested on both databases: an upload writes the version, its scan and audit rows)
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders } from "../publishing/helpers";
import { useDatabase } from "../helpers/db";
import { problem } from "../helpers/http";
import { bundle, CLEAN_FILES, leftovers, NOTHING, storedKeys, uniqueSlug, upload } from "./fixtures";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

/** Uploads, expects a problem with `status` and `code`, and checks nothing was stored for the slug. */
async function refused(slug: string, bytes: Uint8Array, status: number, code: string) {
  const response = await upload(bytes, admin);
  const body = await problem(response);
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(await leftovers(db(), slug)).toEqual(NOTHING);
}

describe("object keys of a bundle's files (R2 takes at most 1,024 UTF-8 bytes)", () => {
  // Issue 26 item 11: 500 × "あ" is 500 UTF-16 units (under the 512-unit name limit) but 1,500 UTF-8
  // bytes; R2 refuses keys over 1,024 bytes, which used to surface as a retryable 503.
  it("an entry name whose object key passes 1,024 UTF-8 bytes is 400 zip_unsafe_path, never a 503", async () => {
    const slug = uniqueSlug();
    const path = "あ".repeat(500);
    const response = await upload(bundle({ slug, files: { ...CLEAN_FILES, [path]: "x" } }), admin);
    const body = (await problem(response)) as Awaited<ReturnType<typeof problem>> & Record<string, unknown>;
    expect({ status: response.status, code: body.code, path: body.path }).toEqual({ status: 400, code: "zip_unsafe_path", path });
    expect(response.headers.get("retry-after")).toBeNull();
    expect(body.detail).toContain("1024");
    expect(await leftovers(db(), slug)).toEqual(NOTHING);
  });

  it("counts the storage prefix: a key of exactly 1,024 bytes is stored, one byte more is refused", async () => {
    const slug = uniqueSlug();
    const prefixBytes = new TextEncoder().encode(`plugins/${slug}/1.0.0/`).byteLength;
    // 300 three-byte characters, then ASCII up to the limit.
    const fits = "語".repeat(300) + "a".repeat(1024 - prefixBytes - 900);
    const stored = await upload(bundle({ slug, files: { ...CLEAN_FILES, [fits]: "x" } }), admin);
    expect(stored.status).toBe(201);
    expect(await storedKeys(slug)).toContain(`plugins/${slug}/1.0.0/${fits}`);

    const other = uniqueSlug();
    expect(other.length).toBe(slug.length);
    await refused(other, bundle({ slug: other, files: { ...CLEAN_FILES, [`${fits}b`]: "x" } }), 400, "zip_unsafe_path");
  });

});
