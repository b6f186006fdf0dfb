import type { GeneratedSigningKey, SigningAlgorithm, SigningKeyGenerator } from "@superoauth/application";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";

// RSA keys of 2048 bits, the size RFC 7518 section 3.3 requires at least.
const rsaModulusLength = 2048;

/** New signing key pairs with jose; the kid is the public key's RFC 7638 thumbprint (SHA-256). */
export function createJoseSigningKeyGenerator(): SigningKeyGenerator {
  return {
    async generate(algorithm: SigningAlgorithm): Promise<GeneratedSigningKey> {
      const { publicKey, privateKey } = await generateKeyPair(algorithm, {
        extractable: true,
        ...(algorithm === "RS256" ? { modulusLength: rsaModulusLength } : {}),
      });
      const publicJWK = await exportJWK(publicKey);
      const privateJWK = await exportJWK(privateKey);
      return { kid: await calculateJwkThumbprint(publicJWK, "sha256"), publicJWK, privateJWK };
    },
  };
}
