import { normalizeTOTPCode, parseBackupCode, type TOTPFactor, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/**
 * The time step of a typed TOTP code for this factor's secret, without using
 * it; null when the code is malformed or not one of the accepted steps.
 */
export async function findCodeStep(
  deps: Pick<Dependencies, "totp" | "secretCipher" | "clock">,
  input: { factor: TOTPFactor; code: string },
): Promise<number | null> {
  const code = normalizeTOTPCode(input.code);
  if (code === null) return null;
  const secret = deps.secretCipher.decryptSecret({
    ciphertext: input.factor.encryptedSecret,
    associatedData: input.factor.userId,
  });
  return deps.totp.findTOTPTimeStep({ secret, code, now: deps.clock.now() });
}

/**
 * Accepts a TOTP code of an enabled factor at most once: the code must be
 * right, and its time step newer than any used before, which the store checks
 * and records in one atomic step (so two requests with one code: one wins).
 */
export async function redeemTOTPCode(
  deps: Pick<Dependencies, "totp" | "secretCipher" | "clock" | "twoFactor">,
  input: { factor: TOTPFactor; code: string },
): Promise<boolean> {
  const step = await findCodeStep(deps, input);
  if (step === null) return false;
  return deps.twoFactor.useTOTPStep({ userId: input.factor.userId, step });
}

/**
 * Accepts an unused backup code of the user at most once, at the cost of one
 * slow hash: the code's lookup id finds its one candidate, which is verified
 * (argon2id); when none is found a dummy verification costs the same, so the
 * time does not tell a wrong lookup id from a wrong secret. The match is then
 * marked used atomically. A 10-character code issued before lookup ids is tried
 * against each of the user's codes without one (up to ten hashes, as before;
 * ADR 0010), or against the dummy when there are none.
 */
export async function redeemBackupCode(
  deps: Pick<Dependencies, "passwordHasher" | "twoFactor" | "clock">,
  input: { userId: UserId; code: string },
): Promise<boolean> {
  const parsed = parseBackupCode(input.code);
  // The form of a code is public: refusing a malformed one at once tells nothing.
  if (parsed === null) return false;
  const { code, lookupId } = parsed;
  const candidates =
    lookupId === null
      ? (await deps.twoFactor.listUnusedBackupCodes(input.userId)).filter((c) => c.lookupId === null)
      : [await deps.twoFactor.findUnusedBackupCode({ userId: input.userId, lookupId })].filter(
          (c) => c !== null,
        );
  if (candidates.length === 0) {
    await deps.passwordHasher.verifyDummyPassword(code);
    return false;
  }
  const matches = await Promise.all(
    candidates.map((stored) => deps.passwordHasher.verifyPassword({ hash: stored.codeHash, password: code })),
  );
  const match = candidates.find((_, index) => matches[index] === true);
  if (match === undefined) return false;
  return deps.twoFactor.useBackupCode({ id: match.id, now: deps.clock.now() });
}

/**
 * Accepts a current TOTP code, or else an unused backup code, of an enabled factor, each at most
 * once. A backup code spent is a security event with how many remain, so the owner sees it.
 */
export async function redeemSecondFactor(
  deps: Pick<
    Dependencies,
    | "totp"
    | "secretCipher"
    | "clock"
    | "twoFactor"
    | "passwordHasher"
    | "random"
    | "securityEvents"
    | "users"
    | "mailer"
    | "settings"
  >,
  input: {
    factor: TOTPFactor;
    code?: string | undefined;
    backupCode?: string | undefined;
    client: ClientInfo;
  },
): Promise<boolean> {
  const { factor } = input;
  if (input.backupCode === undefined) return redeemTOTPCode(deps, { factor, code: input.code ?? "" });
  if (!(await redeemBackupCode(deps, { userId: factor.userId, code: input.backupCode }))) return false;
  const { backupCodesRemaining } = await deps.twoFactor.findTwoFactorStatus(factor.userId);
  await recordSecurityEvent(deps, {
    userId: factor.userId,
    type: "backup_code_used",
    client: input.client,
    details: { remaining: backupCodesRemaining },
  });
  return true;
}
