import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { callWithEnv } from "../helpers/app";
import { bearer, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createUser, uniqueToken } from "../helpers/factories";
import { problem } from "../helpers/http";

const clients = useDatabase();

/** A key set of its own on the loopback JWKS server, and env that verifies tokens with it. */
function keySet(cooldownSeconds: number) {
  const base = `${env.TEST_JWKS_BASE_URL}/${uniqueToken("set")}`;
  return {
    env: { CLERK_JWT_PUBLIC_KEY: "", CLERK_JWKS_URL: `${base}/jwks.json`, CLERK_JWKS_COOLDOWN_SECONDS: String(cooldownSeconds) },
    fetches: async () => ((await (await fetch(`${base}/fetches`)).json()) as { fetches: number }).fetches,
    /** Publishes a new signing key, as Clerk does when it rotates keys. */
    async rotate() {
      const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
      const kid = uniqueToken("kid");
      await fetch(`${base}/keys`, { method: "POST", body: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }) });
      return { privateKey, kid };
    },
  };
}

async function signWith(sub: string, key: CryptoKey, kid: string) {
  const { SignJWT } = await import("jose");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ azp: env.CLERK_AUTHORIZED_PARTIES })
    .setProtectedHeader({ alg: "RS256", kid })
    .setSubject(sub)
    .setIssuer(env.CLERK_ISSUER!)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key);
}

describe("Clerk keys from a JWKS URL", () => {
  it("verifies tokens and keeps the key set between requests", async () => {
    const user = await createUser(clients.pool);
    const set = keySet(30);
    const token = await signToken({ sub: user.clerkUserId });
    for (let i = 0; i < 3; i++) {
      expect((await callWithEnv("/api/workspaces", set.env, { headers: bearer(token) })).status).toBe(200);
    }
    expect(await set.fetches()).toBe(1);
  });

  it("refetches the key set when a token names an unknown key (a rotation)", async () => {
    const user = await createUser(clients.pool);
    const set = keySet(0);
    expect((await callWithEnv("/api/workspaces", set.env, { headers: bearer(await signToken({ sub: user.clerkUserId })) })).status).toBe(200);
    const rotated = await set.rotate();
    const token = await signWith(user.clerkUserId, rotated.privateKey, rotated.kid);
    expect((await callWithEnv("/api/workspaces", set.env, { headers: bearer(token) })).status).toBe(200);
    expect(await set.fetches()).toBe(2);
  });

  it("does not refetch within the cooldown, so unknown kids cannot hammer the identity provider", async () => {
    const user = await createUser(clients.pool);
    const set = keySet(30);
    expect((await callWithEnv("/api/workspaces", set.env, { headers: bearer(await signToken({ sub: user.clerkUserId })) })).status).toBe(200);
    const rotated = await set.rotate();
    for (let i = 0; i < 3; i++) {
      const response = await callWithEnv("/api/workspaces", set.env, {
        headers: bearer(await signWith(user.clerkUserId, rotated.privateKey, rotated.kid)),
      });
      expect(response.status).toBe(401);
      expect((await problem(response)).code).toBe("token_signature_invalid");
    }
    expect(await set.fetches()).toBe(1);
  });
});
