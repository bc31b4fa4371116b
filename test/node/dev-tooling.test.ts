import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEV_AUTHORIZED_PARTY,
  DEV_ISSUER,
  DEV_KEY_ID,
  devWorkerVars,
  ensureDevKeyPair,
  signDevToken,
  slugify,
} from "../../scripts/stack/dev-auth";

// What the worker does with CLERK_JWT_PUBLIC_KEY: the var carries `\n` pairs instead of newlines.
async function publicKeyFromWorkerVar(encoded: string) {
  return importSPKI(encoded.replace(/\\n/g, "\n"), "RS256");
}

describe("dev session tokens", () => {
  // A key folder of their own: tests never write the developer's .data/dev-keys.
  const keysDir = mkdtempSync(join(tmpdir(), "dev-keys-"));
  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

  it("verify against the public key the worker is given, with RS256, the issuer and the azp", async () => {
    const { publicKeyPem } = await ensureDevKeyPair(keysDir);
    const vars = devWorkerVars(publicKeyPem);
    expect(vars.CLERK_JWT_PUBLIC_KEY).not.toContain("\n");
    expect(vars.CLERK_ISSUER).toBe(DEV_ISSUER);
    expect(vars.CLERK_AUTHORIZED_PARTIES).toBe(DEV_AUTHORIZED_PARTY);

    const token = await signDevToken({ sub: "user_dev_tooling", email: "dev@example.test", name: "Dev", ttlSeconds: 120 }, keysDir);
    const { payload } = await jwtVerify(token, await publicKeyFromWorkerVar(vars.CLERK_JWT_PUBLIC_KEY!), {
      algorithms: ["RS256"],
      issuer: vars.CLERK_ISSUER,
    });
    expect(payload.azp).toBe(DEV_AUTHORIZED_PARTY);
    expect(payload).toMatchObject({ sub: "user_dev_tooling", email: "dev@example.test", name: "Dev" });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(payload.nbf).toBe(payload.iat);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: DEV_KEY_ID });
  });

  it("carry no email or name claims unless asked", async () => {
    const { publicKeyPem } = await ensureDevKeyPair(keysDir);
    const publicKey = await publicKeyFromWorkerVar(devWorkerVars(publicKeyPem).CLERK_JWT_PUBLIC_KEY!);
    const { payload } = await jwtVerify(await signDevToken({ sub: "user_plain" }, keysDir), publicKey, { algorithms: ["RS256"] });
    expect(payload).not.toHaveProperty("email");
    expect(payload).not.toHaveProperty("name");
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it("reuse the stored key pair across calls", async () => {
    const first = await ensureDevKeyPair(keysDir);
    const second = await ensureDevKeyPair(keysDir);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
  });
});

describe("dev key pair storage", () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is created once, private file 0600, and reused afterwards", async () => {
    // Two first uses at once must agree on one key (the first file written wins).
    const [created, racing] = await Promise.all([ensureDevKeyPair(dir), ensureDevKeyPair(dir)]);
    expect(racing.publicKeyPem).toBe(created.publicKeyPem);
    expect(statSync(join(dir, "jwt-private.pem")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "jwt-public.pem"), "utf8").trim()).toBe(created.publicKeyPem.trim());
    expect(readdirSync(dir).sort()).toEqual(["jwt-private.pem", "jwt-public.pem"]);
    expect((await ensureDevKeyPair(dir)).publicKeyPem).toBe(created.publicKeyPem);
  });

  it("keeps the key folder private without closing the data folder above it (the local PostgreSQL server, run as postgres, keeps its cluster there)", async () => {
    const data = join(dir, "fresh", ".data");
    await ensureDevKeyPair(join(data, "dev-keys"));
    expect(statSync(join(data, "dev-keys")).mode & 0o777).toBe(0o700);
    expect(statSync(data).mode & 0o055).toBe(0o055 & ~process.umask());
  });
});

describe("workspace slugs", () => {
  it.each([
    ["Alice Co", "alice-co"],
    ["  Café  Déjà Vu!! ", "cafe-deja-vu"],
    ["!!!", "workspace"],
    ["x".repeat(80), "x".repeat(63)],
  ])("%j becomes %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
    expect(slugify(name)).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
  });
});

describe("npm run token", () => {
  it("exits 2 with a usage message when --user is missing", () => {
    const run = spawnSync("tsx", ["scripts/token.ts"], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/--user is required/);
    expect(run.stderr).toMatch(/usage: npm run token -- --user/);
  });

  it("exits 2 on a role that does not exist", () => {
    const run = spawnSync("tsx", ["scripts/token.ts", "--user", "u1", "--workspace", "W", "--role", "king"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--role must be one of owner, admin, editor, viewer/);
  });
});
