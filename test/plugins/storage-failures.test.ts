// @module-tag pglite (transactions rolled back mid-way: also run on the embedded database; test/suite-layout.ts)
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client";
import { ApiError } from "../../src/lib/errors";
import { uploadPlugin } from "../../src/services/plugins/upload";
import { useDatabase } from "../helpers/db";
import { createUser } from "../helpers/factories";
import { bundle, leftovers, NOTHING, storedKeys, uniqueSlug } from "./fixtures";

/**
 * Faults are injected around the real clients (the real bucket and database do the work; one call
 * is made to fail), to prove the ordering rules of issue 14 item 3.
 */
const clients = useDatabase();
const db = () => clients.pool;

function bucketFailingOnPut(n: number): R2Bucket {
  let puts = 0;
  return new Proxy(env.BUNDLES, {
    get(target, prop) {
      if (prop === "put") {
        return (...args: Parameters<R2Bucket["put"]>) => {
          if (++puts === n) return Promise.reject(new Error("injected R2 failure"));
          return target.put(...args);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The real database, whose transactions run for real and then fail as a commit would. */
function databaseFailingTransactions(): Database {
  const real = db();
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "transaction") {
        return (work: (tx: unknown) => Promise<unknown>) =>
          target.transaction(async (tx) => {
            await work(tx);
            throw new Error("injected transaction failure");
          });
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function deps(overrides: { db?: Database; bucket?: R2Bucket } = {}) {
  const user = await createUser(db(), { systemRole: "admin" });
  return {
    db: overrides.db ?? db(),
    bucket: overrides.bucket ?? env.BUNDLES,
    actor: { actorType: "user" as const, actorId: user.id },
    requestId: "test",
  };
}

describe("upload ordering: validate and scan → R2 → one transaction", () => {
  it("an R2 write failure answers 503 storage_unavailable, deletes the objects already written, and writes nothing to the database", async () => {
    const slug = uniqueSlug();
    const error = await uploadPlugin(await deps({ bucket: bucketFailingOnPut(3) }), bundle({ slug })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).code).toBe("storage_unavailable");
    expect(await leftovers(db(), slug)).toEqual(NOTHING);
  });

  it("a failed transaction deletes the R2 objects just written and leaves no rows", async () => {
    const slug = uniqueSlug();
    await expect(uploadPlugin(await deps({ db: databaseFailingTransactions() }), bundle({ slug }))).rejects.toThrow("injected transaction failure");
    expect(await leftovers(db(), slug)).toEqual(NOTHING);
  });

  it("an object already at one of the version's keys is never overwritten: 409 version_exists, only this upload's objects removed", async () => {
    const slug = uniqueSlug();
    await env.BUNDLES.put(`plugins/${slug}/1.0.0/README.md`, "someone else's file");
    const error = await uploadPlugin(await deps(), bundle({ slug })).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe("version_exists");
    expect(await storedKeys(slug)).toEqual([`plugins/${slug}/1.0.0/README.md`]);
    expect(await (await env.BUNDLES.get(`plugins/${slug}/1.0.0/README.md`))!.text()).toBe("someone else's file");
    expect((await leftovers(db(), slug)).plugins).toBe(0);
    await env.BUNDLES.delete(`plugins/${slug}/1.0.0/README.md`);
  });
});
