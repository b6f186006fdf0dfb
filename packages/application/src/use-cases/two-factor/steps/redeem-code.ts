import { normalizeTOTPCode, parseBackupCode, type TOTPFactor, type UserId } from "@superoauth/domain";
import type { Dependencies, OutgoingMail } from "../../../ports/index.ts";
import { inOneTransaction } from "../../in-one-transaction.ts";
import {
  noticeOf,
  type SecurityEventInput,
  storeSecurityEvent,
} from "../../security-log/steps/record-security-event.ts";
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
 * A second factor found right and not used before, but not yet spent: `spendSecondFactor` marks it
 * used. Sign-in's second step spends it inside the sign-in's transaction, so a sign-in that fails
 * on the way gives the code back (ADR 0056); the other proofs spend it with their own write
 * (`spendSecondFactorWith`).
 */
export type UnspentSecondFactor =
  | { readonly kind: "totp"; readonly userId: UserId; readonly step: number }
  | { readonly kind: "backup_code"; readonly userId: UserId; readonly id: string };

/**
 * A TOTP code of the factor that is right and newer than the last one used, as the factor was
 * read; the conditional update that spends it decides between two requests (spendSecondFactor).
 */
async function checkTOTPCode(
  deps: Pick<Dependencies, "totp" | "secretCipher" | "clock">,
  input: { factor: TOTPFactor; code: string },
): Promise<UnspentSecondFactor | null> {
  const step = await findCodeStep(deps, input);
  if (step === null) return null;
  const { lastUsedStep, userId } = input.factor;
  if (lastUsedStep !== null && step <= lastUsedStep) return null;
  return { kind: "totp", userId, step };
}

/**
 * An unused backup code of the user, at the cost of one slow hash: the code's lookup id finds its
 * one candidate, which is verified (argon2id); when none is found a dummy verification costs the
 * same, so the time does not tell a wrong lookup id from a wrong secret. A 10-character code issued
 * before lookup ids is tried against each of the user's codes without one (up to ten hashes, as
 * before; ADR 0010), or against the dummy when there are none.
 */
export async function checkBackupCode(
  deps: Pick<Dependencies, "passwordHasher" | "twoFactor">,
  input: { userId: UserId; code: string },
): Promise<UnspentSecondFactor | null> {
  const parsed = parseBackupCode(input.code);
  // The form of a code is public: refusing a malformed one at once tells nothing.
  if (parsed === null) return null;
  const { code, lookupId } = parsed;
  const candidates =
    lookupId === null
      ? (await deps.twoFactor.listUnusedBackupCodes(input.userId)).filter((c) => c.lookupId === null)
      : [await deps.twoFactor.findUnusedBackupCode({ userId: input.userId, lookupId })].filter(
          (c) => c !== null,
        );
  if (candidates.length === 0) {
    await deps.passwordHasher.verifyDummyPassword(code);
    return null;
  }
  const matches = await Promise.all(
    candidates.map((stored) => deps.passwordHasher.verifyPassword({ hash: stored.codeHash, password: code })),
  );
  const match = candidates.find((_, index) => matches[index] === true);
  return match === undefined ? null : { kind: "backup_code", userId: input.userId, id: match.id };
}

/** A current TOTP code, or else an unused backup code, of an enabled factor; nothing spent. */
export function checkSecondFactor(
  deps: Pick<Dependencies, "totp" | "secretCipher" | "clock" | "twoFactor" | "passwordHasher">,
  input: { factor: TOTPFactor; code?: string | undefined; backupCode?: string | undefined },
): Promise<UnspentSecondFactor | null> {
  const { factor } = input;
  return input.backupCode === undefined
    ? checkTOTPCode(deps, { factor, code: input.code ?? "" })
    : checkBackupCode(deps, { userId: factor.userId, code: input.backupCode });
}

/**
 * Marks a checked code used, at most once: the store's conditional update (a TOTP step newer than
 * any used before, a backup code still unused) decides, so of two requests with one code one wins.
 * False when the code was spent meanwhile.
 */
export function spendSecondFactor(
  deps: Pick<Dependencies, "twoFactor" | "clock">,
  unspent: UnspentSecondFactor,
): Promise<boolean> {
  return unspent.kind === "totp"
    ? deps.twoFactor.useTOTPStep({ userId: unspent.userId, step: unspent.step })
    : deps.twoFactor.useBackupCode({ id: unspent.id, now: deps.clock.now() });
}

/** A backup code spent is a security event with how many remain, so the owner sees it. */
export async function backupCodeUsedEvent(
  deps: Pick<Dependencies, "twoFactor">,
  input: { userId: UserId; client: ClientInfo },
): Promise<SecurityEventInput<"backup_code_used">> {
  const { backupCodesRemaining } = await deps.twoFactor.findTwoFactorStatus(input.userId);
  return {
    userId: input.userId,
    type: "backup_code_used",
    client: input.client,
    details: { remaining: backupCodesRemaining },
  };
}

/**
 * A spent backup code's `backup_code_used` entry, stored in the transaction that spent it, and its
 * notice to mail once that transaction committed (null when none is due). A TOTP code stores none.
 */
export async function storeCodeSpent(
  tx: Dependencies,
  input: { spent: UnspentSecondFactor; client: ClientInfo },
): Promise<OutgoingMail | null> {
  if (input.spent.kind !== "backup_code") return null;
  const used = await storeSecurityEvent(
    tx,
    await backupCodeUsedEvent(tx, { userId: input.spent.userId, client: input.client }),
  );
  return noticeOf(tx, used);
}

/**
 * Spends a checked code and makes `write` in one transaction (ADR 0056): a write that fails on the
 * way (a 503) gives the code back, so an outage costs nobody a backup code. Turning 2FA off,
 * renewing backup codes and re-authenticating spend their codes this way, as sign-in's second step
 * does in its own transaction. When another request spent the code between its check and this (a
 * double submit, or a removal of the factor with its codes), nothing is written and the answer
 * says whether 2FA is still on: the store's conditional update decided.
 */
export async function spendSecondFactorWith<T>(
  deps: Dependencies,
  input: { unspent: UnspentSecondFactor; client: ClientInfo },
  write: (tx: Dependencies) => Promise<T>,
): Promise<
  { readonly spent: true; readonly written: T } | { readonly spent: false; readonly twoFactorOn: boolean }
> {
  const done = await inOneTransaction(deps, async (tx) => {
    if (!(await spendSecondFactor(tx, input.unspent))) return null;
    const notice = await storeCodeSpent(tx, { spent: input.unspent, client: input.client });
    return { written: await write(tx), notice };
  });
  if (done === null) return { spent: false, twoFactorOn: await twoFactorStillOn(deps, input.unspent.userId) };
  // After the commit, where nothing can fail any more (the mailer only queues).
  if (done.notice !== null) await deps.mailer.sendMail(done.notice);
  return { spent: true, written: done.written };
}

/** Whether the user's factor is on now: read again after a code was found spent meanwhile. */
export async function twoFactorStillOn(
  deps: Pick<Dependencies, "twoFactor">,
  userId: UserId,
): Promise<boolean> {
  return (await deps.twoFactor.findTOTPFactor(userId))?.status === "enabled";
}
