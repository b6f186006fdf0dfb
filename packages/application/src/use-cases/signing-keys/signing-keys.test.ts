import { describe, expect, it } from "vitest";
import { t0 } from "../../testing/fixtures.ts";
import { ManualClock } from "../../testing/in-memory.ts";
import { FakeSigningKeyGenerator, InMemorySigningKeyStore } from "../../testing/in-memory-signing-keys.ts";
import { InMemorySecretCipher } from "../../testing/in-memory-two-factor.ts";
import { loadSigningKeys } from "./load-signing-keys.ts";
import { rotateSigningKeys } from "./rotate-signing-keys.ts";
import { activeSigningKey, privateJWKS, publicJWKS, type SigningKeyDependencies } from "./signing-key-set.ts";

const hour = 3_600_000;

function setUp(): SigningKeyDependencies & { clock: ManualClock; signingKeys: InMemorySigningKeyStore } {
  return {
    signingKeys: new InMemorySigningKeyStore(),
    keyGenerator: new FakeSigningKeyGenerator(),
    keyCipher: new InMemorySecretCipher(),
    clock: new ManualClock(t0),
    retiredKeyLifetimeMs: hour,
  };
}

describe("loadSigningKeys", () => {
  it("generates an ES256 and an RS256 key on first start, then answers the same ones", async () => {
    const deps = setUp();
    const first = await loadSigningKeys(deps);
    expect(first.keys.map((k) => k.algorithm)).toEqual(["ES256", "RS256"]);
    expect(first.keys.every((k) => k.retiredAt === null && k.expiresAt === null)).toBe(true);
    deps.clock.advance(1000);
    expect(await loadSigningKeys(deps)).toEqual(first);
  });

  it("keeps the private keys encrypted at rest, bound to their kid", async () => {
    const deps = setUp();
    const set = await loadSigningKeys(deps);
    const [stored, other] = await deps.signingKeys.list({ now: t0 });
    if (stored === undefined || other === undefined) throw new Error("no keys");
    expect(stored.encryptedPrivateJWK).not.toContain(JSON.stringify(set.keys[0]?.privateJWK));
    expect(
      JSON.parse(
        deps.keyCipher.decryptSecret({ ciphertext: stored.encryptedPrivateJWK, associatedData: stored.kid }),
      ),
    ).toEqual(set.keys[0]?.privateJWK);
    expect(() =>
      deps.keyCipher.decryptSecret({ ciphertext: stored.encryptedPrivateJWK, associatedData: other.kid }),
    ).toThrow();
  });

  it("refuses to start when the stored keys do not decrypt (another JWT_SECRET), rather than replacing them", async () => {
    const deps = setUp();
    await loadSigningKeys(deps);
    const otherSecret = {
      ...deps,
      keyCipher: {
        encryptSecret: deps.keyCipher.encryptSecret,
        decryptSecret: () => {
          throw new Error("unable to authenticate data");
        },
      },
    };
    await expect(loadSigningKeys(otherSecret)).rejects.toThrow(/does not decrypt: JWT_SECRET is not the one/);
    expect(await deps.signingKeys.list({ now: t0 })).toHaveLength(2);
  });

  it("publishes JWKS newest first with kid, alg and use, the public one without private members", async () => {
    const deps = setUp();
    const set = await loadSigningKeys(deps);
    const [es, rs] = set.keys;
    expect(privateJWKS(set)).toEqual({
      keys: [
        { ...es?.privateJWK, kid: es?.kid, alg: "ES256", use: "sig" },
        { ...rs?.privateJWK, kid: rs?.kid, alg: "RS256", use: "sig" },
      ],
    });
    expect(publicJWKS(set).keys.map((k) => [k.kid, k.alg, k.use, "d" in k])).toEqual([
      [es?.kid, "ES256", "sig", false],
      [rs?.kid, "RS256", "sig", false],
    ]);
  });
});

describe("rotateSigningKeys", () => {
  it("adds new signing keys; the previous ones stay published and verifying until their tokens expired", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    deps.clock.advance(1000);
    const rotation = await rotateSigningKeys(deps);
    if (!rotation.ok) throw new Error(rotation.error);
    const after = await loadSigningKeys(deps);
    expect(after.keys).toHaveLength(4);
    expect(rotation.value.added.map((k) => k.algorithm)).toEqual(["ES256", "RS256"]);
    expect(after.keys.slice(0, 2).map((k) => k.kid)).toEqual(rotation.value.added.map((k) => k.kid));
    for (const algorithm of ["ES256", "RS256"] as const) {
      expect(activeSigningKey(after, algorithm)?.kid).not.toBe(activeSigningKey(before, algorithm)?.kid);
    }
    const retiredAt = new Date(t0.getTime() + 1000);
    const expiresAt = new Date(retiredAt.getTime() + hour);
    expect(rotation.value.retired).toEqual(before.keys.map((k) => ({ kid: k.kid, expiresAt })));
    expect(after.keys.slice(2)).toEqual(before.keys.map((k) => ({ ...k, retiredAt, expiresAt })));

    // Once every token they signed has expired, they are no longer published, and the next rotation deletes them.
    deps.clock.advance(hour);
    expect((await loadSigningKeys(deps)).keys).toHaveLength(2);
    deps.clock.advance(1);
    const next = await rotateSigningKeys(deps);
    expect(next.ok && next.value.expiredRemoved).toBe(2);
  });

  it("--remove of the key that signs replaces it first, then deletes it at once", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    const es = activeSigningKey(before, "ES256");
    const rotation = await rotateSigningKeys(deps, { remove: es?.kid ?? "" });
    expect(rotation.ok && rotation.value.removed).toBe(es?.kid);
    expect(rotation.ok && rotation.value.added.map((k) => k.algorithm)).toEqual(["ES256"]);
    const after = await loadSigningKeys(deps);
    expect(after.keys.map((k) => k.kid)).not.toContain(es?.kid);
    expect(activeSigningKey(after, "ES256")).not.toBeNull();
    expect(activeSigningKey(after, "RS256")?.kid).toBe(activeSigningKey(before, "RS256")?.kid);
  });

  it("--remove of a retired key deletes it and adds nothing", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    await rotateSigningKeys(deps);
    const old = before.keys[1]?.kid ?? "";
    const rotation = await rotateSigningKeys(deps, { remove: old });
    expect(rotation).toEqual({
      ok: true,
      value: { added: [], retired: [], removed: old, expiredRemoved: 0 },
    });
    expect((await loadSigningKeys(deps)).keys.map((k) => k.kid)).not.toContain(old);
  });

  it("--remove of an unknown kid answers NOT_FOUND and changes nothing", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    const rotation = await rotateSigningKeys(deps, { remove: "no-such-kid" });
    expect(rotation.ok).toBe(false);
    expect(!rotation.ok && rotation.error).toBe("NOT_FOUND");
    expect(await loadSigningKeys(deps)).toEqual(before);
  });
});
