import {
  err,
  hasFreshProof,
  ok,
  type Result,
  type Session,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import {
  type AccountLocked,
  proveWithinLockout,
  type SignInSource,
} from "../../sign-in/steps/sign-in-lockout.ts";

/**
 * The one guard of sensitive changes (docs/decisions/0012-fresh-proof-before-sensitive-changes.md):
 * REAUTH_REQUIRED unless the caller's session proved a factor within REAUTH_MAX_AGE (ASVS 5.0
 * V7.5.1). Every use case that changes how the account signs in calls it before anything else;
 * one whose request carries the current password itself checks that instead (proveCurrentPassword).
 */
export function requireFreshProof(
  deps: Pick<Dependencies, "clock" | "settings">,
  input: { session: Session },
): Result<void, "REAUTH_REQUIRED"> {
  if (
    hasFreshProof({ session: input.session, now: deps.clock.now(), maxAgeMs: deps.settings.reauthMaxAgeMs })
  ) {
    return ok(undefined);
  }
  return err(
    "REAUTH_REQUIRED",
    "This change needs a recent proof that it is you: call POST /auth/reauthenticate, then retry",
  );
}

/** Where a factor was given again to confirm a change: the `during` of `reauthentication_failed`. */
export type ProofOccasion = "reauthentication" | "password_change" | "two_factor_off" | "backup_codes";

/**
 * Checks the account's current password, given in a request as a proof, within the lockout: the
 * attempt is reserved before the slow hash (ADR 0008), and a wrong one stays counted like a wrong
 * sign-in, so a stolen access token cannot be used to guess the password without limit. A wrong
 * one is recorded for the occasion (`recordFailedProof`), before the lock it may reach. An account
 * without a password has no password to give: any answer is wrong.
 */
export async function proveCurrentPassword(
  deps: Pick<
    Dependencies,
    "passwordHasher" | "lockout" | "clock" | "random" | "securityEvents" | "settings" | "backgroundTasks"
  >,
  input: { user: User; password: string; source: SignInSource; client: ClientInfo; during: ProofOccasion },
): Promise<Result<void, "INVALID_CURRENT_PASSWORD"> | AccountLocked> {
  const { user, source, client, during } = input;
  const { passwordHash } = user;
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: async () =>
      passwordHash !== null &&
      (await deps.passwordHasher.verifyPassword({ hash: passwordHash, password: input.password })),
    recordWrongProof: () => recordFailedProof(deps, { user, method: "password", during, client }),
  });
  if (!checked.ok) return checked;
  if (!checked.value)
    return checked.lockedNow ?? err("INVALID_CURRENT_PASSWORD", "The current password is incorrect");
  return ok(undefined);
}

/**
 * A wrong password or code given to confirm a change is recorded in the person's log
 * (`reauthentication_failed`, with the factor and the occasion): a stolen session guessing the
 * password, at POST /auth/reauthenticate or in the request of a change that carries it, is counted
 * toward the lockout and, without this, seen by no one until the lock (an incident review). Called
 * by the lockout's check for a wrong proof only, before the lock that proof may reach, so the
 * newest-first activity list reads the lock above the attempt that caused it; a malformed request
 * or an attempt a lock refused unchecked is not recorded.
 */
export async function recordFailedProof(
  deps: Pick<Dependencies, "securityEvents" | "clock" | "random">,
  input: {
    user: { id: UserId };
    method: "password" | "code" | "backup_code";
    during: ProofOccasion;
    client: ClientInfo;
  },
): Promise<void> {
  await recordSecurityEvent(deps, {
    userId: input.user.id,
    type: "reauthentication_failed",
    client: input.client,
    details: { method: input.method, during: input.during },
  });
}
