// The asymmetric keys that sign our access tokens and the OIDC provider's tokens (ADR 0021).

/** The algorithms we sign with: ES256 by default, RS256 for relying parties that need it. */
export type SigningAlgorithm = "ES256" | "RS256";

/** Every algorithm a key set holds a signing key for, the default first. */
export const signingAlgorithms: readonly SigningAlgorithm[] = ["ES256", "RS256"];

/** A JSON Web Key (RFC 7517) as plain data. */
export type JWK = Readonly<Record<string, unknown>>;

/** A key pair as the generator makes it. */
export interface GeneratedSigningKey {
  /** The RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly publicJWK: JWK;
  readonly privateJWK: JWK;
}

/** Makes new key pairs (jose in production). */
export interface SigningKeyGenerator {
  generate(algorithm: SigningAlgorithm): Promise<GeneratedSigningKey>;
}

/** A signing key as stored: the private half encrypted (SecretCipher, the kid as associated data). */
export interface StoredSigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /**
   * 1 for an algorithm's first key, one more for each rotation. Unique per algorithm, so of two
   * instances adding "the next" key at once only one succeeds (the other reads the winner's).
   */
  readonly generation: number;
  readonly publicJWK: JWK;
  readonly encryptedPrivateJWK: string;
  readonly createdAt: Date;
  /** From when it signs. */
  readonly activatedAt: Date;
  /** When a newer key of its algorithm replaced it; null while it signs. */
  readonly retiredAt: Date | null;
  /** When every token it signed has expired, so it may go; null while it signs. */
  readonly expiresAt: Date | null;
}

/**
 * The signing keys. Nothing expired is ever listed; the scheduled prune (and each rotation)
 * deletes expired keys.
 */
export interface SigningKeyStore {
  /** Every key not expired at `now`, newest first (creation, then generation, then algorithm). */
  list(input: { now: Date }): Promise<readonly StoredSigningKey[]>;
  /**
   * Adds a key unless its algorithm already has a key of that generation: of concurrent adds of
   * one (algorithm, generation) exactly one answers "added", decided by a unique key.
   */
  add(key: StoredSigningKey): Promise<"added" | "generation-taken">;
  /** Retires, at `retiredAt` until `expiresAt`, the unretired keys of `algorithm` older than `generation`. */
  retireOlder(input: {
    algorithm: SigningAlgorithm;
    generation: number;
    retiredAt: Date;
    expiresAt: Date;
  }): Promise<void>;
  /** Deletes one key at once; false when there was none. */
  remove(input: { kid: string }): Promise<boolean>;
  /** Deletes the keys expired at `now`; answers how many. */
  removeExpired(input: { now: Date }): Promise<number>;
}
