import { loadSigningKeys, type SigningKeyDependencies } from "@superoauth/application";
import { InMemorySecretCipher, InMemorySigningKeyStore, ManualClock } from "@superoauth/application/testing";
import { type AccessTokenSettings, createJWTAccessTokenIssuer } from "./access-token-issuer.ts";
import { createJoseSigningKeyGenerator } from "./signing-key-generator.ts";

// Test helpers: one database's signing keys with real key pairs, and instances of the issuer over it.

/** The settings every test instance uses. */
export const testTokenSettings = {
  issuer: "superoauth-test",
  audience: "superoauth-api",
  ttlSeconds: 300,
  maxAgeMs: 60_000,
  unknownKidReloadGapMs: 5_000,
};

/** One database's keys (in memory), shared by the instances a test makes. */
export function testKeyDatabase(
  now: Date,
  publishLeadMs = 0,
): SigningKeyDependencies & { clock: ManualClock } {
  return {
    signingKeys: new InMemorySigningKeyStore(),
    keyGenerator: createJoseSigningKeyGenerator(),
    keyCipher: new InMemorySecretCipher(),
    clock: new ManualClock(now),
    retiredKeyLifetimeMs: 3_600_000,
    // A rotation signs at once unless a test asks for the service's lead (apps/api signing-keys.ts).
    publishLeadMs,
  };
}

/** An instance of the issuer: the key set read at `now`, read again through a counting reload. */
export async function testAccessTokenIssuer(database: SigningKeyDependencies, now: Date) {
  const counter = { reloads: 0 };
  const initial = await loadSigningKeys(database);
  const settings: AccessTokenSettings = {
    keys: {
      initial,
      loadedAt: now,
      reload: async () => {
        counter.reloads++;
        return loadSigningKeys(database);
      },
      maxAgeMs: testTokenSettings.maxAgeMs,
      unknownKidReloadGapMs: testTokenSettings.unknownKidReloadGapMs,
    },
    issuer: testTokenSettings.issuer,
    audience: testTokenSettings.audience,
    ttlSeconds: testTokenSettings.ttlSeconds,
  };
  return { issuer: createJWTAccessTokenIssuer(settings), settings, initial, counter };
}
