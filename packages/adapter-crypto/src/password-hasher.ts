import type { PasswordHasher } from "@superoauth/application";
import { normalizePassword, passwordFormsToVerify } from "@superoauth/domain";
import argon2 from "argon2";

/** argon2id cost parameters. */
export interface Argon2Options {
  /** Memory in KiB. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet minimum for argon2id: m=19456 KiB (19 MiB), t=2, p=1. */
export const defaultArgon2Options: Argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A PasswordHasher over argon2id. Passwords are hashed in NFKC and compared in NFKC, then as
 * typed for hashes made before that (NIST SP 800-63B-4, 3.1.1.2). The dummy hash is made once,
 * with the same parameters, on first use.
 */
export function createArgon2PasswordHasher(options: Argon2Options = defaultArgon2Options): PasswordHasher {
  if (options.memoryCost < 19_456 || options.timeCost < 2 || options.parallelism < 1) {
    throw new Error("argon2id parameters below the OWASP minimum (m=19456 KiB, t=2, p=1)");
  }
  const hashOptions = { type: argon2.argon2id, ...options } as const;
  let dummyHash: Promise<string> | undefined;

  return {
    hashPassword: (password) => argon2.hash(normalizePassword(password), hashOptions),
    async verifyPassword({ hash, password }) {
      try {
        for (const form of passwordFormsToVerify(password)) {
          if (await argon2.verify(hash, form)) return true;
        }
        return false;
      } catch {
        // A hash the library cannot parse matches nothing.
        return false;
      }
    },
    async verifyDummyPassword(password) {
      dummyHash ??= argon2.hash("dummy password that nobody has", hashOptions);
      // As many slow hashes as a wrong password costs a real account.
      for (const form of passwordFormsToVerify(password)) await argon2.verify(await dummyHash, form);
    },
  };
}
