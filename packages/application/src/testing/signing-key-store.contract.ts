import { describe, expect, it } from "vitest";
import type { SigningAlgorithm, SigningKeyStore, StoredSigningKey } from "../ports/signing-keys.ts";
import { loadSigningKeys } from "../use-cases/signing-keys/load-signing-keys.ts";
import { rotateSigningKeys } from "../use-cases/signing-keys/rotate-signing-keys.ts";
import { activeSigningKey, type SigningKeyDependencies } from "../use-cases/signing-keys/signing-key-set.ts";
import { at, t0, testId } from "./fixtures.ts";
import { ManualClock } from "./in-memory.ts";
import { FakeSigningKeyGenerator } from "./in-memory-signing-keys.ts";
import { InMemorySecretCipher } from "./in-memory-two-factor.ts";

function storedKey(overrides: Partial<StoredSigningKey> & { algorithm: SigningAlgorithm }): StoredSigningKey {
  const kid = testId();
  return {
    kid,
    generation: 1,
    publicJWK: { kty: "EC", crv: "P-256", x: `x-${kid}`, y: "y" },
    encryptedPrivateJWK: `sealed-${kid}`,
    createdAt: t0,
    activatedAt: t0,
    retiredAt: null,
    expiresAt: null,
    ...overrides,
  };
}

function dependencies(signingKeys: SigningKeyStore): SigningKeyDependencies {
  return {
    signingKeys,
    keyGenerator: new FakeSigningKeyGenerator(),
    keyCipher: new InMemorySecretCipher(),
    clock: new ManualClock(t0),
    retiredKeyLifetimeMs: 3_600_000,
    // The store is what these test: a rotation here signs at once (the lead is the use case's).
    publishLeadMs: 0,
  };
}

/**
 * The store, but its first `count` adds wait until all of them have been asked for: that many
 * callers each read the table before any of them writes to it.
 */
function holdFirstAdds(store: SigningKeyStore, count: number): SigningKeyStore {
  let waiting = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    list: (input) => store.list(input),
    add: async (key) => {
      if (waiting < count) {
        waiting += 1;
        if (waiting === count) release();
        await released;
      }
      return store.add(key);
    },
    retireOlder: (input) => store.retireOlder(input),
    remove: (input) => store.remove(input),
    removeExpired: (input) => store.removeExpired(input),
  };
}

/**
 * The behaviour every SigningKeyStore must have, races included. `makeStore` answers an empty
 * store. The last cases drive the use cases over it: what several instances starting or rotating
 * at once on one database must end with (ADR 0021).
 */
export function signingKeyStoreContract(name: string, makeStore: () => Promise<SigningKeyStore>): void {
  describe(`SigningKeyStore contract: ${name}`, () => {
    it("lists what it stored, every field intact, newest first (then by generation, then algorithm)", async () => {
      const store = await makeStore();
      const old = storedKey({ algorithm: "ES256", retiredAt: at(1000), expiresAt: at(60_000) });
      const rsa = storedKey({
        algorithm: "RS256",
        generation: 2,
        createdAt: at(1000),
        activatedAt: at(1000),
      });
      const ec = storedKey({ algorithm: "ES256", generation: 2, createdAt: at(1000), activatedAt: at(1000) });
      const rsaOld = storedKey({ algorithm: "RS256", retiredAt: at(1000), expiresAt: at(60_000) });
      for (const key of [old, rsa, ec, rsaOld]) expect(await store.add(key)).toBe("added");
      expect(await store.list({ now: at(2000) })).toEqual([ec, rsa, old, rsaOld]);
    });

    it("refuses a second key of one algorithm and generation, not of another algorithm", async () => {
      const store = await makeStore();
      const first = storedKey({ algorithm: "ES256" });
      expect(await store.add(first)).toBe("added");
      expect(await store.add(storedKey({ algorithm: "ES256" }))).toBe("generation-taken");
      expect(await store.add(storedKey({ algorithm: "RS256" }))).toBe("added");
      expect((await store.list({ now: t0 })).filter((k) => k.algorithm === "ES256")).toEqual([first]);
    });

    it("of 10 concurrent adds of one generation exactly one succeeds", async () => {
      const store = await makeStore();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => store.add(storedKey({ algorithm: "RS256", generation: 3 }))),
      );
      expect(outcomes.filter((o) => o === "added")).toHaveLength(1);
      expect(await store.list({ now: t0 })).toHaveLength(1);
    });

    it("retires the unretired older keys of one algorithm only, and hides them once expired", async () => {
      const store = await makeStore();
      const early = storedKey({ algorithm: "ES256", retiredAt: at(-10), expiresAt: at(90_000) });
      const older = storedKey({ algorithm: "ES256", generation: 2 });
      const newer = storedKey({ algorithm: "ES256", generation: 3, createdAt: at(1), activatedAt: at(1) });
      const rsa = storedKey({ algorithm: "RS256" });
      for (const key of [early, older, newer, rsa]) await store.add(key);
      await store.retireOlder({ algorithm: "ES256", generation: 3, retiredAt: at(5), expiresAt: at(60_000) });
      const listed = await store.list({ now: at(5) });
      expect(listed.find((k) => k.kid === older.kid)).toEqual({
        ...older,
        retiredAt: at(5),
        expiresAt: at(60_000),
      });
      expect(listed.find((k) => k.kid === early.kid)).toEqual(early);
      expect(listed.find((k) => k.kid === newer.kid)).toEqual(newer);
      expect(listed.find((k) => k.kid === rsa.kid)).toEqual(rsa);
      expect((await store.list({ now: at(60_000) })).map((k) => k.kid).sort()).toEqual(
        [early.kid, newer.kid, rsa.kid].sort(),
      );
    });

    it("removes one key at once, and the expired ones in bulk", async () => {
      const store = await makeStore();
      const gone = storedKey({ algorithm: "ES256", retiredAt: t0, expiresAt: at(1000) });
      const kept = storedKey({ algorithm: "ES256", generation: 2, retiredAt: t0, expiresAt: at(5000) });
      const live = storedKey({ algorithm: "ES256", generation: 3 });
      for (const key of [gone, kept, live]) await store.add(key);
      expect(await store.removeExpired({ now: at(1000) })).toBe(0);
      expect(await store.removeExpired({ now: at(1001) })).toBe(1);
      expect(await store.remove({ kid: live.kid })).toBe(true);
      expect(await store.remove({ kid: live.kid })).toBe(false);
      expect((await store.list({ now: t0 })).map((k) => k.kid)).toEqual([kept.kid]);
    });

    it("two instances starting at once on an empty table end with one key per algorithm, the same for both", async () => {
      const store = await makeStore();
      const [a, b] = await Promise.all([
        loadSigningKeys(dependencies(store)),
        loadSigningKeys(dependencies(store)),
      ]);
      expect(a.keys.map((k) => k.kid)).toEqual(b.keys.map((k) => k.kid));
      expect(a.keys.map((k) => k.algorithm).sort()).toEqual(["ES256", "RS256"]);
      expect(await store.list({ now: t0 })).toHaveLength(2);
    });

    it("two rotations at once leave one signing key per algorithm and the previous ones retired", async () => {
      const store = await makeStore();
      const first = await loadSigningKeys(dependencies(store));
      // "At once": both have read the table before either stores a key. Without this hold a
      // rotation that reads after the other stored its first key rotates once more (generation 3),
      // which is right for two rotations in a row but made this case depend on timing (it failed a
      // clean-clone run on MySQL).
      const atOnce = holdFirstAdds(store, 2);
      const outcomes = await Promise.all([
        rotateSigningKeys(dependencies(atOnce)),
        rotateSigningKeys(dependencies(atOnce)),
      ]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      // Each says which key signs now, and exactly one of them stored it.
      const added = outcomes.map((o) => (o.ok ? o.value.added : []));
      for (const algorithm of ["ES256", "RS256"] as const) {
        const reports = added.map((list) => list.find((key) => key.algorithm === algorithm));
        expect(reports[0]?.kid).toBe(reports[1]?.kid);
        expect(reports.map((report) => report?.byAnotherRotation).sort()).toEqual([false, true]);
      }
      const after = await loadSigningKeys(dependencies(store));
      for (const algorithm of ["ES256", "RS256"] as const) {
        const signing = after.keys.filter((k) => k.algorithm === algorithm && k.retiredAt === null);
        expect(signing).toHaveLength(1);
        expect(signing[0]?.kid).not.toBe(activeSigningKey(first, algorithm, t0)?.kid);
      }
      for (const key of first.keys) {
        expect(after.keys.find((k) => k.kid === key.kid)?.retiredAt).toEqual(t0);
      }
    });
  });
}
