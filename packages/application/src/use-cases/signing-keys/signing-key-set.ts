import type { Clock, SecretCipher } from "../../ports/index.ts";
import type {
  JWK,
  SigningAlgorithm,
  SigningKeyGenerator,
  SigningKeyStore,
  StoredSigningKey,
} from "../../ports/signing-keys.ts";

/** What the signing-key use cases work with (ADR 0021). */
export interface SigningKeyDependencies {
  readonly signingKeys: SigningKeyStore;
  readonly keyGenerator: SigningKeyGenerator;
  /** Encrypts the private keys at rest, with a key of its own derived from JWT_SECRET. */
  readonly keyCipher: SecretCipher;
  readonly clock: Clock;
  /**
   * How long a replaced key keeps verifying: the longest lifetime of a token it may have signed
   * (access token, ID token), plus the time another instance may take to notice the rotation.
   */
  readonly retiredKeyLifetimeMs: number;
  /**
   * How long a rotation's new key is published before it signs (the key it replaces signs until
   * then): longer than every instance takes to read the keys again plus a verifier's pause between
   * two fetches of the JWKS, so no verifier meets a kid it cannot fetch yet.
   */
  readonly publishLeadMs: number;
}

/** A usable signing key: its private half decrypted. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly publicJWK: JWK;
  readonly privateJWK: JWK;
  readonly createdAt: Date;
  /** When it starts signing: a rotation publishes a key a while before (publishLeadMs). */
  readonly activatedAt: Date;
  /** When it stops signing (the next key's activation); it verifies until `expiresAt`. */
  readonly retiredAt: Date | null;
  readonly expiresAt: Date | null;
}

/** Every published key, newest first: each verifies; of an algorithm's, the newest active one signs. */
export interface SigningKeySet {
  readonly keys: readonly SigningKey[];
}

/** A JSON Web Key Set (RFC 7517 section 5). */
export interface JWKS {
  readonly keys: readonly JWK[];
}

/** Whether `key` signs at `now`: activated, and not yet retired. */
export function signsAt(key: SigningKey, now: Date): boolean {
  return key.activatedAt <= now && (key.retiredAt === null || key.retiredAt > now);
}

/**
 * The key that signs with `algorithm` at `now`: the newest active one. By a clock running behind the
 * one that stored a new key none may be active yet: then the newest unretired one. Null when the
 * set has no key of `algorithm` that signs now or will. (On the path of every token signed: no
 * allocation.)
 */
export function activeSigningKey(
  set: SigningKeySet,
  algorithm: SigningAlgorithm,
  now: Date,
): SigningKey | null {
  let unretired: SigningKey | null = null;
  for (const key of set.keys) {
    if (key.algorithm !== algorithm) continue;
    if (signsAt(key, now)) return key;
    if (unretired === null && key.retiredAt === null) unretired = key;
  }
  return unretired;
}

/**
 * The private JWKS, each key with its `kid`, `alg` and `use: "sig"` (for oidc-provider, which signs
 * with the first key of an algorithm): the keys that sign at `now` first, then the rest, newest first.
 */
export function privateJWKS(set: SigningKeySet, now: Date): JWKS {
  const ordered = [...set.keys].sort((a, b) => Number(signsAt(b, now)) - Number(signsAt(a, now)));
  return { keys: ordered.map((key) => describedJWK(key, key.privateJWK)) };
}

/** The public JWKS, newest first: what `/oidc/jwks` publishes. */
export function publicJWKS(set: SigningKeySet): JWKS {
  return { keys: set.keys.map((key) => describedJWK(key, key.publicJWK)) };
}

function describedJWK(key: SigningKey, jwk: JWK): JWK {
  return { ...jwk, kid: key.kid, alg: key.algorithm, use: "sig" };
}

/** Decrypts every stored key; a ciphertext that does not decrypt (another JWT_SECRET, tampering) throws. */
export function openSigningKeys(
  deps: SigningKeyDependencies,
  stored: readonly StoredSigningKey[],
): SigningKeySet {
  return {
    keys: stored.map((key) => ({
      kid: key.kid,
      algorithm: key.algorithm,
      publicJWK: key.publicJWK,
      privateJWK: decryptPrivateJWK(deps, key),
      createdAt: key.createdAt,
      activatedAt: key.activatedAt,
      retiredAt: key.retiredAt,
      expiresAt: key.expiresAt,
    })),
  };
}

function decryptPrivateJWK(deps: SigningKeyDependencies, key: StoredSigningKey): JWK {
  try {
    return JSON.parse(
      deps.keyCipher.decryptSecret({ ciphertext: key.encryptedPrivateJWK, associatedData: key.kid }),
    ) as JWK;
  } catch (error) {
    // Never replaced silently: new keys would make every token signed so far fail at once.
    throw new SigningKeyUndecryptableError(key.kid, error);
  }
}

/**
 * A stored signing key that the configured JWT_SECRET does not decrypt: the operator's to fix
 * (the start names it in one line), never answered by making new keys.
 */
export class SigningKeyUndecryptableError extends Error {
  override readonly name = "SigningKeyUndecryptableError";
  readonly code = "SIGNING_KEY_UNDECRYPTABLE";
  constructor(kid: string, cause: unknown) {
    super(
      `The signing key ${kid} does not decrypt: JWT_SECRET is not the one the keys were stored with (or the row was altered); restore that JWT_SECRET, or, to change it, stop every instance and delete the signing keys first (docs/operations.md, "Rotating the other secrets")`,
      { cause },
    );
  }
}

/** The generation the next key of `algorithm` takes: one more than the newest listed. */
export function nextGeneration(stored: readonly StoredSigningKey[], algorithm: SigningAlgorithm): number {
  return Math.max(0, ...stored.filter((key) => key.algorithm === algorithm).map((key) => key.generation)) + 1;
}

/**
 * Generates a key and adds it as `generation` of its algorithm, signing from `activatedAt` (`now` when absent); "generation-taken"
 * when another instance added that generation first (its key is then the one to use).
 */
export async function addSigningKey(
  deps: SigningKeyDependencies,
  input: { algorithm: SigningAlgorithm; generation: number; now: Date; activatedAt?: Date },
): Promise<{ outcome: "added" | "generation-taken"; kid: string }> {
  const generated = await deps.keyGenerator.generate(input.algorithm);
  const outcome = await deps.signingKeys.add({
    kid: generated.kid,
    algorithm: input.algorithm,
    generation: input.generation,
    publicJWK: generated.publicJWK,
    encryptedPrivateJWK: deps.keyCipher.encryptSecret({
      plaintext: JSON.stringify(generated.privateJWK),
      associatedData: generated.kid,
    }),
    createdAt: input.now,
    activatedAt: input.activatedAt ?? input.now,
    retiredAt: null,
    expiresAt: null,
  });
  return { outcome, kid: generated.kid };
}
