import { resolve } from "node:path";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { signingKeyPublishLeadMs, signingKeyReloading } from "../src/signing-keys.ts";
import { type CLIOutcome, runMaintenanceCLI } from "./run-cli.ts";
import { integrationTestConfig, integrationTestSecrets } from "./test-config.ts";

// The managed signing keys end to end (ADR 0021): what the service signs access tokens with, and
// `pnpm keys:rotate` run as its own process against the same database while two instances run.

const database = useTestDatabase();
const cli = resolve(import.meta.dirname, "../src/cli/keys-rotate.ts");
const clock = new ManualClock(new Date());
let first: Service;
let second: Service | undefined;

function rotate(args: string[] = [], env: Record<string, string> = {}): Promise<CLIOutcome> {
  return runMaintenanceCLI({
    file: cli,
    args,
    databaseURL: database.url(),
    secrets: integrationTestSecrets,
    env,
  });
}

async function signUp(service: Service, email: string): Promise<string> {
  const response = await service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password: "Integr4tion-pass!", nickname: "keys_test" },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().data.accessToken;
}

async function me(service: Service, token: string): Promise<{ status: number; error?: string }> {
  const response = await service.app.inject({
    url: "/api/v1/auth/me",
    headers: { authorization: `Bearer ${token}` },
  });
  return response.statusCode === 200
    ? { status: 200 }
    : { status: response.statusCode, error: response.json().error };
}

/** A JWT's protected header (read only, never trusted: what the test asserts on). */
function decodeProtectedHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
}
const kidOf = (token: string): string => String(decodeProtectedHeader(token).kid);

beforeAll(async () => {
  first = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined, { clock });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

// Each case runs the CLI as a process (a node start each) beside argon2id sign-ups: a minute, as the
// other process-driving tests allow, so a loaded machine does not fail them.
describe("managed signing keys", { timeout: 60_000 }, () => {
  // One story, kept in this order when the run shuffles tests (shuffle: false): the keys of the
  // first start, a rotation of them, then the removal of the old key; each step acts on the keys
  // and the token the step before left.
  describe("from the first start through a rotation to the removal of the old key", {
    shuffle: false,
  }, () => {
    let oldToken: string;

    it("the first start generates an ES256 and an RS256 key; access tokens are ES256 with the signing key's kid", async () => {
      const { publicJWKS, privateJWKS } = first.signingKeys;
      expect(publicJWKS.keys.map((k) => [k.alg, k.use, "d" in k])).toEqual([
        ["ES256", "sig", false],
        ["RS256", "sig", false],
      ]);
      expect(privateJWKS.keys.map((k) => [k.kid, k.alg, typeof k.d])).toEqual(
        publicJWKS.keys.map((k) => [k.kid, k.alg, "string"]),
      );
      const rows = await database.db().selectFrom("signing_keys").selectAll().execute();
      // Private keys are stored encrypted: no private member of any key in the row.
      for (const row of rows) {
        const jwk = privateJWKS.keys.find((k) => k.kid === row.kid);
        expect(row.encrypted_private_jwk).toMatch(/^v1\./);
        expect(row.encrypted_private_jwk).not.toContain(String(jwk?.d));
      }
      oldToken = await signUp(first, "keys-first@example.com");
      expect(decodeProtectedHeader(oldToken)).toEqual({
        alg: "ES256",
        kid: publicJWKS.keys[0]?.kid,
        typ: "at+jwt",
      });
      expect(await me(first, oldToken)).toEqual({ status: 200 });
    });

    it("pnpm keys:rotate adds new keys; tokens signed before keep working; another instance's new kid is picked up", async () => {
      const outcome = await rotate();
      expect(outcome.code, outcome.stderr).toBe(0);
      const added =
        /^ {2}\+ ES256 ([\w-]{43}) published now, signs from (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/m.exec(
          outcome.stdout,
        );
      expect(added, outcome.stdout).not.toBeNull();
      expect(outcome.stdout).toMatch(
        /^ {2}\+ RS256 [\w-]{43} published now, signs from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m,
      );
      // One time format in the whole output (until 2026-12-06 "signs from" wrote "2026-12-06
      // 19:09:06 UTC" a line above "verifies until 2026-12-06T20:10:06.899Z"), and each key's algorithm.
      expect(outcome.stdout).toContain(
        `\n  ~ ES256 ${kidOf(oldToken)} retired: signs until the new key does, verifies until `,
      );
      expect(outcome.stdout).toMatch(
        /^ {2}~ RS256 [\w-]{43} retired: signs until the new key does, verifies until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m,
      );
      const newKid = added?.[1] ?? "";
      const signsFrom = new Date(added?.[2] ?? "");
      expect(signsFrom.getTime() - Date.now()).toBeGreaterThan(signingKeyPublishLeadMs - 60_000);
      expect(await me(first, oldToken)).toEqual({ status: 200 });

      second = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined, {
        clock,
      });
      // Published at once, signing only after the lead: a service verifying locally has fetched the
      // new key (any JWKS fetch from now on holds it) before a token names it.
      const jwks = (await second.app.inject({ url: "/oidc/jwks" })).json() as { keys: { kid: string }[] };
      expect(jwks.keys.map((key) => key.kid)).toContain(newKid);
      const during = await signUp(second, "keys-during@example.com");
      expect(kidOf(during)).toBe(kidOf(oldToken));
      // The lead over (the services' clock follows the command's, which stamped the key).
      clock.advance(Math.max(0, signsFrom.getTime() - clock.now().getTime()) + 1000);
      const newToken = await signUp(second, "keys-second@example.com");
      expect(kidOf(newToken)).toBe(newKid);
      expect(second.signingKeys.publicJWKS.keys.map((k) => k.kid)).toContain(kidOf(oldToken));
      expect(await me(second, oldToken)).toEqual({ status: 200 });
      // The first instance reads the keys again (more than a minute has passed) and signs with the new key too.
      expect(await me(first, newToken)).toEqual({ status: 200 });
      expect(kidOf(await signUp(first, "keys-third@example.com"))).toBe(kidOf(newToken));
      // The first instance publishes the kid it now signs with, without a restart (a service
      // verifying its tokens locally against /oidc/jwks finds it), and still the one it signed with.
      const published = (await first.app.inject({ url: "/oidc/jwks" })).json() as {
        keys: { kid: string; d?: string }[];
      };
      expect(published.keys.map((key) => key.kid)).toEqual(
        expect.arrayContaining([kidOf(newToken), kidOf(oldToken)]),
      );
      expect(published.keys.some((key) => key.d !== undefined)).toBe(false);
    });

    it("--remove <kid> deletes a key at once: its tokens stop verifying once the instances read the keys again", async () => {
      const outcome = await rotate(["--remove", kidOf(oldToken)]);
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stdout).toContain(`- ${kidOf(oldToken)} removed: its tokens no longer verify`);
      clock.advance(signingKeyReloading.maxAgeMs);
      expect(await me(first, oldToken)).toEqual({ status: 401, error: "INVALID_TOKEN" });
      expect(await me(second ?? first, oldToken)).toEqual({ status: 401, error: "INVALID_TOKEN" });
    });
  });

  it("--remove of an unknown kid exits 1 and changes nothing", async () => {
    const before = await database.db().selectFrom("signing_keys").select("kid").orderBy("kid").execute();
    const outcome = await rotate(["--remove", "no-such-kid"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("No published signing key has the kid no-such-kid: nothing changed.");
    // A thumbprint may begin with "-" (one kid in 64): it is still the kid, not an option.
    const dashed = await rotate(["--remove", "-no-such-kid"]);
    expect(dashed.code, dashed.stderr).toBe(1);
    expect(dashed.stderr).toContain("No published signing key has the kid -no-such-kid: nothing changed.");
    expect(await database.db().selectFrom("signing_keys").select("kid").orderBy("kid").execute()).toEqual(
      before,
    );
  });

  it("refuses to run with another JWT_SECRET, or none, and changes nothing", async () => {
    const before = await database.db().selectFrom("signing_keys").select("kid").orderBy("kid").execute();
    const wrong = await rotate([], { JWT_SECRET: "another-secret-0123456789-abcdefghijklmnop" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not decrypt: JWT_SECRET is not the one the keys were stored with/);
    expect(wrong.stderr).not.toMatch(/^\s+at /m);
    const none = await rotate([], { JWT_SECRET: "", NODE_ENV: "development", DATABASE_URL: database.url() });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      "JWT_SECRET is not set: keys:rotate must run with the JWT_SECRET the service uses",
    );
    expect(await database.db().selectFrom("signing_keys").select("kid").orderBy("kid").execute()).toEqual(
      before,
    );
  });

  it("answers an unknown option with the usage and exit code 2", async () => {
    const outcome = await rotate(["--bogus"]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain("Usage: pnpm keys:rotate [--remove <kid>]");
  });
});
