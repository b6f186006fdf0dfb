import { describe, expect, it } from "vitest";
import { t0 } from "../../testing/fixtures.ts";
import { ManualClock } from "../../testing/in-memory.ts";
import { FakeSigningKeyGenerator, InMemorySigningKeyStore } from "../../testing/in-memory-signing-keys.ts";
import { InMemorySecretCipher } from "../../testing/in-memory-two-factor.ts";
import { loadSigningKeys } from "./load-signing-keys.ts";
import { rotateSigningKeys } from "./rotate-signing-keys.ts";
import { activeSigningKey, privateJWKS, publicJWKS, type SigningKeyDependencies } from "./signing-key-set.ts";

const hour = 3_600_000;
const lead = 120_000;

function setUp(): SigningKeyDependencies & { clock: ManualClock; signingKeys: InMemorySigningKeyStore } {
  return {
    signingKeys: new InMemorySigningKeyStore(),
    keyGenerator: new FakeSigningKeyGenerator(),
    keyCipher: new InMemorySecretCipher(),
    clock: new ManualClock(t0),
    retiredKeyLifetimeMs: hour,
    publishLeadMs: lead,
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
    expect(privateJWKS(set, deps.clock.now())).toEqual({
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
  it("adds new signing keys, published at once and signing after the lead; the previous ones sign until then and verify until their tokens expired", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    deps.clock.advance(1000);
    const rotation = await rotateSigningKeys(deps);
    if (!rotation.ok) throw new Error(rotation.error);
    const after = await loadSigningKeys(deps);
    expect(after.keys).toHaveLength(4);
    const signsFrom = new Date(t0.getTime() + 1000 + lead);
    expect(rotation.value.added.map((k) => [k.algorithm, k.signsFrom])).toEqual([
      ["ES256", signsFrom],
      ["RS256", signsFrom],
    ]);
    expect(after.keys.slice(0, 2).map((k) => k.kid)).toEqual(rotation.value.added.map((k) => k.kid));
    // Published now (in the public JWKS), signing only from the lead's end: until then the old ones sign.
    expect(publicJWKS(after).keys.map((k) => k.kid)).toEqual(after.keys.map((k) => k.kid));
    const justBefore = new Date(signsFrom.getTime() - 1);
    for (const algorithm of ["ES256", "RS256"] as const) {
      expect(activeSigningKey(after, algorithm, justBefore)?.kid).toBe(
        activeSigningKey(before, algorithm, t0)?.kid,
      );
      expect(activeSigningKey(after, algorithm, signsFrom)?.kid).not.toBe(
        activeSigningKey(before, algorithm, t0)?.kid,
      );
    }
    // The OpenID provider signs with the first key of an algorithm: those signing at that moment come first.
    expect(
      privateJWKS(after, justBefore)
        .keys.slice(0, 2)
        .map((k) => k.kid),
    ).toEqual(before.keys.map((k) => k.kid));
    expect(
      privateJWKS(after, signsFrom)
        .keys.slice(0, 2)
        .map((k) => k.kid),
    ).toEqual(rotation.value.added.map((k) => k.kid));
    const retiredAt = signsFrom;
    const expiresAt = new Date(retiredAt.getTime() + hour);
    expect(rotation.value.retired).toEqual(
      before.keys.map((k) => ({ kid: k.kid, algorithm: k.algorithm, expiresAt })),
    );
    expect(after.keys.slice(2)).toEqual(before.keys.map((k) => ({ ...k, retiredAt, expiresAt })));

    // Once every token they signed has expired, they are no longer published, and the next rotation deletes them.
    deps.clock.advance(lead + hour);
    expect((await loadSigningKeys(deps)).keys).toHaveLength(2);
    deps.clock.advance(1);
    const next = await rotateSigningKeys(deps);
    expect(next.ok && next.value.expiredRemoved).toBe(2);
  });

  it("--remove of a key still signing during a rotation's lead replaces it at once", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    const rotated = await rotateSigningKeys(deps);
    if (!rotated.ok) throw new Error(rotated.error);
    const es = activeSigningKey(before, "ES256", t0);
    const removal = await rotateSigningKeys(deps, { remove: es?.kid ?? "" });
    expect(removal.ok && removal.value.removed).toBe(es?.kid);
    // A leaked key stops signing now, not at the end of the lead: a key signs from this moment.
    const after = await loadSigningKeys(deps);
    const signing = activeSigningKey(after, "ES256", t0);
    expect(signing).not.toBeNull();
    expect(signing?.kid).not.toBe(es?.kid);
  });

  it("--remove of the key that signs replaces it first, then deletes it at once", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    const es = activeSigningKey(before, "ES256", t0);
    const rotation = await rotateSigningKeys(deps, { remove: es?.kid ?? "" });
    expect(rotation.ok && rotation.value.removed).toBe(es?.kid);
    // A leaked key must not sign again: its replacement signs at once, with no lead.
    expect(rotation.ok && rotation.value.added.map((k) => [k.algorithm, k.signsFrom])).toEqual([
      ["ES256", t0],
    ]);
    const after = await loadSigningKeys(deps);
    expect(after.keys.map((k) => k.kid)).not.toContain(es?.kid);
    expect(activeSigningKey(after, "ES256", t0)).not.toBeNull();
    expect(activeSigningKey(after, "RS256", t0)?.kid).toBe(activeSigningKey(before, "RS256", t0)?.kid);
  });

  it("--remove of a retired key deletes it and adds nothing", async () => {
    const deps = setUp();
    const before = await loadSigningKeys(deps);
    await rotateSigningKeys(deps);
    // Past the lead: the replaced keys no longer sign (before it, removing one replaces it at once).
    deps.clock.advance(lead);
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
