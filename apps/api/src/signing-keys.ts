import { createAESGCMSecretCipher, deriveEncryptionKey } from "@superoauth/adapter-crypto";
import type { Storage } from "@superoauth/adapter-sql";
import { createJoseSigningKeyGenerator } from "@superoauth/adapter-tokens";
import type { Clock, SigningKeyDependencies } from "@superoauth/application";
import type { Config } from "./config.ts";

/**
 * How often a running instance reads the signing keys again (ADR 0021): a key set this old is read
 * before the next token is signed or verified, so a rotation or removal made elsewhere takes effect
 * within a minute without a restart; a token with an unknown kid (a key another instance just
 * added) reads it at most once per 10 s, so made-up kids cannot turn into a read per request.
 */
export const signingKeyReloading = { maxAgeMs: 60_000, unknownKidReloadGapMs: 10_000 } as const;

/**
 * How long a rotated-in key is published before it signs: every instance reads the keys within a
 * minute, and a verifier (jose's createRemoteJWKSet) fetches the JWKS again at most every 30 s, so
 * after two minutes every verifier that meets the new kid can fetch it (ADR 0021).
 */
export const signingKeyPublishLeadMs = 120_000;

/** The HKDF purpose label of the key that encrypts the stored private keys: its own, derived from JWT_SECRET. */
const signingKeyEncryptionInfo = "superoauth signing keys v1";

/** What the signing-key use cases need, for the service and for `pnpm keys:rotate`. */
export function signingKeyDependencies(input: {
  storage: Storage;
  config: Config;
  clock: Clock;
}): SigningKeyDependencies {
  const { config } = input;
  const longestTokenMs = Math.max(config.accessTokenTtlSeconds, config.idTokenTtlSeconds) * 1000;
  return {
    signingKeys: input.storage.signingKeys,
    keyGenerator: createJoseSigningKeyGenerator(),
    keyCipher: createAESGCMSecretCipher(
      deriveEncryptionKey({ secret: config.jwt.secret, info: signingKeyEncryptionInfo }),
      [],
      "the key derived from JWT_SECRET",
    ),
    clock: input.clock,
    // A replaced key must outlive every token signed with it, including those an instance signs
    // before it has read the new key set.
    retiredKeyLifetimeMs: longestTokenMs + signingKeyReloading.maxAgeMs,
    publishLeadMs: signingKeyPublishLeadMs,
  };
}
