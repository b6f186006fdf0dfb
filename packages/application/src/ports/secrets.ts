/** Fast hashing for high-entropy secrets (refresh tokens): SHA-256 and a constant-time comparison. */
export interface SecretHasher {
  hashSecret(secret: string): string;
  secretMatchesHash(input: { secret: string; hash: string }): boolean;
  /** The S256 `code_challenge` of a PKCE verifier: BASE64URL(SHA-256(ASCII(verifier))), RFC 7636 section 4.2. */
  codeChallengeOf(codeVerifier: string): string;
}

/**
 * Encrypts small secrets at rest (AES-256-GCM in production). `associatedData`
 * binds a ciphertext to its owner: decrypting it for anyone else fails.
 * Decryption of a tampered or foreign ciphertext throws: that is broken data, not an expected outcome.
 */
export interface SecretCipher {
  encryptSecret(input: { plaintext: string; associatedData: string }): string;
  decryptSecret(input: { ciphertext: string; associatedData: string }): string;
}
