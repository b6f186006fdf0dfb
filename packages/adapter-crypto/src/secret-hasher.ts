import { createHash, timingSafeEqual } from "node:crypto";
import type { SecretHasher } from "@superoauth/application";

/**
 * SHA-256 for high-entropy secrets (refresh tokens and one-time codes of >= 128
 * bits): a slow hash adds nothing when the secret cannot be guessed. Hashes are
 * compared in constant time. Also the S256 transformation of PKCE verifiers (RFC 7636).
 */
export function createSHA256SecretHasher(): SecretHasher {
  const hashSecret = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");
  return {
    hashSecret,
    secretMatchesHash({ secret, hash }) {
      const actual = Buffer.from(hashSecret(secret), "utf8");
      const expected = Buffer.from(hash, "utf8");
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    codeChallengeOf: (codeVerifier: string): string =>
      createHash("sha256").update(codeVerifier, "utf8").digest("base64url"),
  };
}
