import type { Dependencies } from "../../ports/index.ts";

/** How many stored TOTP secrets the start tries (the first ones in user-id order). */
const sampled = 5;

/**
 * Makes sure the configured key opens the TOTP secrets the database holds, as the start does for
 * the signing keys and JWT_SECRET: a TOTP_ENCRYPTION_KEY that differs from the one the secrets were
 * stored with (another instance's, or one changed without keeping the old as
 * TOTP_ENCRYPTION_KEY_PREVIOUS) otherwise shows only as a 500 at the first two-factor sign-in.
 * Tries a few secrets and passes if any opens: one row altered by hand does not stop the service
 * (`pnpm totp:rekey` names such rows), while a wrong key opens none. No secrets: nothing to check.
 */
export async function checkSecretKeyOpensStoredSecrets(
  deps: Pick<Dependencies, "twoFactor" | "secretCipher">,
): Promise<void> {
  const secrets = await deps.twoFactor.listTOTPSecrets({ afterUserId: null, limit: sampled });
  if (secrets.length === 0) return;
  for (const { userId, encryptedSecret } of secrets) {
    try {
      deps.secretCipher.decryptSecret({ ciphertext: encryptedSecret, associatedData: userId });
      return;
    } catch {
      // The next one may open: only none opening means a wrong key.
    }
  }
  throw new SecretKeyMismatchError(secrets.length);
}

/** None of the stored TOTP secrets the start tried opens under the configured keys. */
export class SecretKeyMismatchError extends Error {
  override readonly name = "SecretKeyMismatchError";
  readonly code = "SECRET_KEY_MISMATCH";
  constructor(tried: number) {
    super(
      `TOTP_ENCRYPTION_KEY does not open the two-factor secrets this database holds (${tried} tried): set the key they were stored with (the same on every instance), with a new one as TOTP_ENCRYPTION_KEY and the old as TOTP_ENCRYPTION_KEY_PREVIOUS while rotating (docs/operations.md)`,
    );
  }
}
