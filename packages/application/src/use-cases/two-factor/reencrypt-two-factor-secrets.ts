import type { UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** What a re-encryption did. */
export interface ReencryptionReport {
  /** Factors whose secret is now encrypted under the current key. */
  readonly reencrypted: number;
  /** Factors set up again while the run read them: their new secret is under the current key already. */
  readonly changedMeanwhile: number;
  /** Factors whose secret no key given decrypts: their users must set up 2FA again (an admin reset). */
  readonly undecryptable: readonly UserId[];
}

/**
 * Re-encrypts every stored TOTP secret under the cipher's current key, after TOTP_ENCRYPTION_KEY
 * changed (`pnpm totp:rekey`, docs/operations.md): each secret is decrypted with whichever key
 * opens it (the current one, or TOTP_ENCRYPTION_KEY_PREVIOUS) and written back under the current
 * one, only if it is still the ciphertext read (replaceTOTPSecret), so a setup that replaced it
 * meanwhile is kept. Running it twice does no harm. Once it reports nothing undecryptable, the
 * previous key may go.
 */
export async function reencryptTwoFactorSecrets(
  deps: Pick<Dependencies, "twoFactor" | "secretCipher">,
  input: { pageSize?: number } = {},
): Promise<ReencryptionReport> {
  const pageSize = input.pageSize ?? 500;
  let reencrypted = 0;
  let changedMeanwhile = 0;
  const undecryptable: UserId[] = [];
  let after: UserId | null = null;
  for (;;) {
    const page = await deps.twoFactor.listTOTPSecrets({ afterUserId: after, limit: pageSize });
    for (const { userId, encryptedSecret } of page) {
      let plaintext: string;
      try {
        plaintext = deps.secretCipher.decryptSecret({ ciphertext: encryptedSecret, associatedData: userId });
      } catch {
        undecryptable.push(userId);
        continue;
      }
      const replaced = await deps.twoFactor.replaceTOTPSecret({
        userId,
        from: encryptedSecret,
        to: deps.secretCipher.encryptSecret({ plaintext, associatedData: userId }),
      });
      if (replaced) reencrypted++;
      else changedMeanwhile++;
    }
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) break;
    after = last.userId;
  }
  return { reencrypted, changedMeanwhile, undecryptable };
}
