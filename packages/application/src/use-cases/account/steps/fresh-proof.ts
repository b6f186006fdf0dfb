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

/**
 * Checks the account's current password, given in a request as a proof, within the lockout: the
 * attempt is reserved before the slow hash (ADR 0008), and a wrong one stays counted like a wrong
 * sign-in, so a stolen access token cannot be used to guess the password without limit. An
 * account without a password has no password to give: any answer is wrong.
 */
export async function proveCurrentPassword(
  deps: Pick<
    Dependencies,
    "passwordHasher" | "lockout" | "clock" | "random" | "securityEvents" | "settings" | "backgroundTasks"
  >,
  input: { user: User; password: string; source: SignInSource; client: ClientInfo },
): Promise<Result<void, "INVALID_CURRENT_PASSWORD"> | AccountLocked> {
  const { user, source, client } = input;
  const { passwordHash } = user;
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: async () =>
      passwordHash !== null &&
      (await deps.passwordHasher.verifyPassword({ hash: passwordHash, password: input.password })),
  });
  if (!checked.ok) return checked;
  if (!checked.value)
    return checked.lockedNow ?? err("INVALID_CURRENT_PASSWORD", "The current password is incorrect");
  return ok(undefined);
}

/** Where a factor was given again to confirm a change: the `during` of `reauthentication_failed`. */
export type ProofOccasion = "reauthentication" | "password_change" | "two_factor_off" | "backup_codes";

/**
 * A wrong password or code given to confirm a change is recorded in the person's log
 * (`reauthentication_failed`, with the factor and the occasion) before it is answered: a stolen
 * session guessing the password, at POST /auth/reauthenticate or in the request of a change that
 * carries it, is counted toward the lockout and, without this, seen by no one until the lock (an
 * incident review). Anything else (a lock, which the lockout records; a malformed request) passes
 * through unrecorded.
 */
export async function recordWrongProof<F extends { ok: false; error: string }>(
  deps: Pick<Dependencies, "securityEvents" | "clock" | "random">,
  input: {
    proved: F;
    user: { id: UserId };
    method: "password" | "code" | "backup_code";
    during: ProofOccasion;
    client: ClientInfo;
  },
): Promise<F> {
  const { error } = input.proved;
  if (error === "INVALID_CURRENT_PASSWORD" || error === "INVALID_TWO_FACTOR_CODE") {
    await recordSecurityEvent(deps, {
      userId: input.user.id,
      type: "reauthentication_failed",
      client: input.client,
      details: { method: input.method, during: input.during },
    });
  }
  return input.proved;
}
