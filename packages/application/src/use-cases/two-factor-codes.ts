import {
  type BackupCode,
  backupCodeCount,
  backupCodeFromRandom,
  err,
  normalizeBackupCode,
  normalizeTOTPCode,
  ok,
  type Result,
  type TOTPFactor,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { findSignInSource, type SignInSource } from "./sign-in-lockout.ts";
import type { ClientInfo } from "./start-session.ts";

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
export async function useTOTPCode(
  deps: Pick<Dependencies, "totp" | "secretCipher" | "clock" | "twoFactor">,
  input: { factor: TOTPFactor; code: string },
): Promise<boolean> {
  const step = await findCodeStep(deps, input);
  if (step === null) return false;
  return deps.twoFactor.useTOTPStep({ userId: input.factor.userId, step });
}

/**
 * Accepts an unused backup code of the user at most once. Every unused code is
 * checked (argon2id, concurrently), then the match is marked used atomically.
 */
export async function useBackupCode(
  deps: Pick<Dependencies, "passwordHasher" | "twoFactor" | "clock">,
  input: { userId: UserId; code: string },
): Promise<boolean> {
  const code = normalizeBackupCode(input.code);
  const unused = await deps.twoFactor.listUnusedBackupCodes(input.userId);
  if (code === null) return false;
  const matches = await Promise.all(
    unused.map((stored) => deps.passwordHasher.verifyPassword({ hash: stored.codeHash, password: code })),
  );
  const match = unused.find((_, index) => matches[index] === true);
  if (match === undefined) return false;
  return deps.twoFactor.useBackupCode({ id: match.id, now: deps.clock.now() });
}

/** A new set of backup codes: the codes to show once, and what to store (argon2id hashes). */
export async function generateBackupCodes(
  deps: Pick<Dependencies, "passwordHasher" | "random">,
  input: { userId: UserId },
): Promise<{ codes: string[]; stored: BackupCode[] }> {
  // Distinct, so each code is worth one sign-in (a repeat is all but impossible with 50 random bits).
  const distinct = new Set<string>();
  while (distinct.size < backupCodeCount) distinct.add(backupCodeFromRandom(deps.random.generateSecret()));
  const codes = [...distinct];
  const stored = await Promise.all(
    codes.map(
      async (code): Promise<BackupCode> => ({
        id: deps.random.generateId(),
        userId: input.userId,
        codeHash: await deps.passwordHasher.hashPassword(code),
        usedAt: null,
      }),
    ),
  );
  return { codes, stored };
}
