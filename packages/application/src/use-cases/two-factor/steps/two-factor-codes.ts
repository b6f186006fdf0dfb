import {
  type BackupCode,
  backupCodeCount,
  backupCodeFromRandom,
  err,
  normalizeTOTPCode,
  ok,
  parseBackupCode,
  type Result,
  type TOTPFactor,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import {
  type AccountLocked,
  findSignInSource,
  proveWithinLockout,
  type SignInSource,
} from "../../sign-in/steps/sign-in-lockout.ts";

/**
 * What a signed-in user's second proof (to turn 2FA off, or to renew backup codes) starts
 * from: the account, its enabled factor, and the source its attempts count against. The
 * proof is then checked through proveWithinLockout, like a sign-in's.
 */
export async function startSecondFactorProof(
  deps: Dependencies,
  input: { userId: UserId; client: ClientInfo },
): Promise<
  Result<
    { user: User; factor: TOTPFactor; source: SignInSource },
    "USER_NOT_FOUND" | "TWO_FACTOR_NOT_ENABLED"
  >
> {
  const [user, factor] = await Promise.all([
    deps.users.findUserById(input.userId),
    deps.twoFactor.findTOTPFactor(input.userId),
  ]);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  if (factor?.status !== "enabled")
    return err("TWO_FACTOR_NOT_ENABLED", "Two-factor authentication is not on");
  const source = await findSignInSource(deps, { userId: user.id, client: input.client });
  return ok({ user, factor, source });
}

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

/**
 * Checks a second factor given in a request (a current TOTP code, or else a backup code) within
 * the lockout: the attempt is reserved before the check (ADR 0008) and a wrong one stays counted,
 * like a wrong sign-in. Sign-in's second step, re-authentication, turning 2FA off and renewing
 * backup codes all prove the factor this one way.
 */
export async function proveSecondFactor(
  deps: Dependencies,
  input: {
    user: User;
    factor: TOTPFactor;
    source: SignInSource;
    code?: string | undefined;
    backupCode?: string | undefined;
    client: ClientInfo;
  },
): Promise<Result<void, "INVALID_TWO_FACTOR_CODE"> | AccountLocked> {
  const { user, factor, source, code, backupCode, client } = input;
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: () => redeemSecondFactor(deps, { factor, code, backupCode, client }),
  });
  if (!checked.ok) return checked;
  if (!checked.value) return err("INVALID_TWO_FACTOR_CODE", "The code is wrong, expired or already used");
  return ok(undefined);
}

/**
 * A new set of backup codes: the codes to show once, and what to store (the
 * lookup id in clear, an argon2id hash of the code).
 */
export async function generateBackupCodes(
  deps: Pick<Dependencies, "passwordHasher" | "random">,
  input: { userId: UserId },
): Promise<{ codes: string[]; stored: BackupCode[] }> {
  // Distinct lookup ids, so a typed code has one candidate (10 of 1,024: a few draws again at most).
  const byLookupId = new Map<string, string>();
  for (let draws = 0; byLookupId.size < backupCodeCount; draws++) {
    if (draws === 1000) throw new Error("generateBackupCodes: the random source keeps repeating itself");
    const code = backupCodeFromRandom(deps.random.generateSecret());
    const parsed = parseBackupCode(code);
    if (parsed?.lookupId == null) throw new Error("backupCodeFromRandom made a code without a lookup id");
    if (!byLookupId.has(parsed.lookupId)) byLookupId.set(parsed.lookupId, code);
  }
  const stored = await Promise.all(
    [...byLookupId].map(
      async ([lookupId, code]): Promise<BackupCode> => ({
        id: deps.random.generateId(),
        userId: input.userId,
        lookupId,
        codeHash: await deps.passwordHasher.hashPassword(code),
        usedAt: null,
      }),
    ),
  );
  return { codes: [...byLookupId.values()], stored };
}
