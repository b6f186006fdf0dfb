import type {
  GeneratedSigningKey,
  SigningAlgorithm,
  SigningKeyGenerator,
  SigningKeyStore,
  StoredSigningKey,
} from "../ports/signing-keys.ts";
import { testId } from "./fixtures.ts";

/** The SigningKeyStore in memory: the same uniqueness (kid; algorithm and generation) as the SQL table. */
export class InMemorySigningKeyStore implements SigningKeyStore {
  private readonly keys = new Map<string, StoredSigningKey>();

  async list(input: { now: Date }): Promise<readonly StoredSigningKey[]> {
    return [...this.keys.values()]
      .filter((key) => key.expiresAt === null || key.expiresAt > input.now)
      .sort(
        (a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() ||
          b.generation - a.generation ||
          a.algorithm.localeCompare(b.algorithm),
      );
  }

  async add(key: StoredSigningKey): Promise<"added" | "generation-taken"> {
    const taken = [...this.keys.values()].some(
      (k) => k.algorithm === key.algorithm && k.generation === key.generation,
    );
    if (taken) return "generation-taken";
    if (this.keys.has(key.kid)) throw new Error(`Duplicate kid ${key.kid}`);
    this.keys.set(key.kid, key);
    return "added";
  }

  async retireOlder(input: {
    algorithm: SigningAlgorithm;
    generation: number;
    retiredAt: Date;
    expiresAt: Date;
  }): Promise<void> {
    for (const key of this.keys.values()) {
      if (key.algorithm === input.algorithm && key.generation < input.generation && key.retiredAt === null) {
        this.keys.set(key.kid, { ...key, retiredAt: input.retiredAt, expiresAt: input.expiresAt });
      }
    }
  }

  async remove(input: { kid: string }): Promise<boolean> {
    return this.keys.delete(input.kid);
  }

  async removeExpired(input: { now: Date }): Promise<number> {
    let removed = 0;
    for (const key of [...this.keys.values()]) {
      if (key.expiresAt !== null && key.expiresAt < input.now) {
        this.keys.delete(key.kid);
        removed++;
      }
    }
    return removed;
  }
}

/**
 * Makes stand-in key pairs (no cryptography): distinct kids and JWKs an application test can
 * follow. The real generator (jose) has its own tests in adapter-tokens.
 */
export class FakeSigningKeyGenerator implements SigningKeyGenerator {
  async generate(algorithm: SigningAlgorithm): Promise<GeneratedSigningKey> {
    const kid = `${algorithm}-${testId()}`;
    return {
      kid,
      publicJWK: { kty: "fake", x: kid },
      privateJWK: { kty: "fake", x: kid, d: `private-${kid}` },
    };
  }
}
