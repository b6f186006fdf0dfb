import {
  accountWideSource,
  decideLockout,
  durationInWords,
  knownSourceLifetimeMs,
  type LockoutPolicy,
  type LoginAttemptReservation,
  type LoginFailures,
  recordsRefusedSignIn,
  refundLoginAttempt,
  refusedSignInEntriesPerWindow,
  reserveLoginAttempt,
  secondsUntil,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { newSecurityEvent, recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/**
 * Lockout around sign-in attempts (docs/decisions/0008-lockout-design.md): the
 * arithmetic is the domain's, this file finds the counters and the sources.
 */

/** The failure a locked attempt gets: no password was checked, so it reveals nothing about it. */
export interface AccountLocked {
  readonly ok: false;
  readonly error: "ACCOUNT_LOCKED";
  readonly message: string;
  /** Seconds until the lock ends (the Retry-After header). */
  readonly retryAfterSeconds: number;
}

/** Where an attempt comes from, as far as lockout is concerned. */
export interface SignInSource {
  /** The counter the attempt's failures go to: a known device, or else the IP. */
  readonly key: string;
  /** Whether the account signed in from this source before (it passes an account-wide lock). */
  readonly known: boolean;
}

function deviceKeyOf(deps: Pick<Dependencies, "secretHasher">, client: ClientInfo): string | null {
  // The cookie value is a secret of the device: only its digest is stored.
  return client.deviceId === undefined || client.deviceId === ""
    ? null
    : `device:${deps.secretHasher.hashSecret(client.deviceId)}`;
}

function ipKeyOf(client: ClientInfo): string {
  return `ip:${client.ip ?? "unknown"}`;
}

/**
 * The source of an attempt on `userId`'s account (null: no such account). A
 * device cookie counts only once the account signed in with it: an unknown
 * cookie is free to mint, so unknown devices are counted by IP.
 */
export async function findSignInSource(
  deps: Pick<Dependencies, "lockout" | "secretHasher" | "clock">,
  input: { userId: UserId | null; client: ClientInfo },
): Promise<SignInSource> {
  const deviceKey = deviceKeyOf(deps, input.client);
  const ipKey = ipKeyOf(input.client);
  if (input.userId === null) return { key: ipKey, known: false };
  const known = await deps.lockout.findKnownSignInSources({
    userId: input.userId,
    sources: deviceKey === null ? [ipKey] : [deviceKey, ipKey],
    since: new Date(deps.clock.now().getTime() - knownSourceLifetimeMs),
  });
  if (deviceKey !== null && known.includes(deviceKey)) return { key: deviceKey, known: true };
  return { key: ipKey, known: known.includes(ipKey) };
}

/**
 * Checks a proof of `account` (a password or a second-factor code) within the
 * lockout. The attempt is reserved first: counted as a failure on the source's
 * counter and the account-wide one in one atomic step, or refused with
 * ACCOUNT_LOCKED while a lock holds. Only then is the proof checked, so however
 * many attempts run at once, at most LOCKOUT_THRESHOLD per counter and window are
 * ever checked (ADR 0008). A right proof gives the attempt back, and so does a
 * check that threw (an overloaded hasher, a lost database): nothing was learnt.
 * A wrong one stays counted, and when it locked a counter the lock is reported to the observer
 * (for any address) and `account_locked` recorded in an existing account's security log; when the lock it reached holds back this source's next
 * attempt, the result carries that lock (`lockedNow`), which callers answer instead of "wrong".
 *
 * With `deferGiveBack`, a right proof's attempt is not given back here but by the caller, through
 * the `giveBack` it receives: a sign-in that completes at once clears the counters anyway
 * (recordSuccessfulSignIn), so giving the attempt back first would be a second write transaction
 * for nothing; the caller gives it back on every other outcome.
 */
export async function proveWithinLockout(
  deps: Pick<
    Dependencies,
    "lockout" | "clock" | "random" | "securityEvents" | "settings" | "observer" | "backgroundTasks"
  >,
  input: {
    account: string;
    source: SignInSource;
    userId: UserId | null;
    client: ClientInfo;
    checkProof: () => Promise<boolean>;
    deferGiveBack?: boolean;
    /**
     * Records the wrong proof in the person's log, before the lock it may have reached: the
     * newest-first activity list then reads "locked" above the attempt that locked, not below.
     */
    recordWrongProof?: () => Promise<void>;
  },
): Promise<
  | AccountLocked
  | {
      readonly ok: true;
      readonly value: boolean;
      readonly giveBack?: () => Promise<void>;
      /** A wrong proof that locked its own source: the answer to give instead of "wrong". */
      readonly lockedNow?: AccountLocked;
    }
> {
  const { account, source } = input;
  const policy = deps.settings.lockout;
  const reservedAt = deps.clock.now();
  const sources = [source.key, accountWideSource];
  // Set by the update (the store may call it more than once: the last call is what was written).
  const decided: { reservation?: LoginAttemptReservation } = {};
  await deps.lockout.updateLoginFailures({
    account,
    sources,
    update: (current) => {
      const reservation = reserveLoginAttempt({
        sourceFailures: current.get(source.key) ?? null,
        accountFailures: current.get(accountWideSource) ?? null,
        sourceIsKnown: source.known,
        now: reservedAt,
        policy,
      });
      decided.reservation = reservation;
      return reservation.locked
        ? new Map()
        : new Map([
            [source.key, reservation.sourceFailures],
            [accountWideSource, reservation.accountFailures],
          ]);
    },
  });
  const { reservation } = decided;
  if (reservation === undefined) throw new Error("updateLoginFailures did not call update");
  if (reservation.locked) {
    if (input.userId !== null) recordRefusedAttempt(deps, { userId: input.userId, client: input.client });
    return accountLocked(reservation.until, reservedAt);
  }
  const refund = () =>
    deps.lockout.updateLoginFailures({
      account,
      sources,
      update: (current) => {
        const refunded = new Map<string, LoginFailures>();
        for (const [key, failures] of current) {
          const next = refundLoginAttempt({ failures, reservedAt, policy });
          if (next !== null) refunded.set(key, next);
        }
        return refunded;
      },
    });
  let proven: boolean;
  try {
    proven = await input.checkProof();
  } catch (error) {
    // The original error says more; should the refund fail too, the attempt stays counted (the safe side).
    await refund().catch(() => undefined);
    throw error;
  }
  if (proven) {
    if (input.deferGiveBack === true) {
      return {
        ok: true,
        value: true,
        giveBack: async () => {
          await refund();
        },
      };
    }
    await refund();
    return { ok: true, value: true };
  }
  // Counted for an unknown address too: the counters lock alike, and a lockout counter (a public
  // metric by default) that moved only for real accounts would tell which addresses have one.
  // Counted before the writes below, so a log that fails (the attempt then answers 503) still does.
  if (reservation.lockedScopes.length > 0) deps.observer?.observe({ type: "account_locked" });
  await input.recordWrongProof?.();
  if (input.userId !== null && reservation.lockedScopes.length > 0) {
    await recordSecurityEvent(deps, {
      userId: input.userId,
      type: "account_locked",
      client: input.client,
      details: {
        scope: reservation.lockedScopes.join(","),
        minutes: Math.round(policy.durationMs / 60_000),
      },
    });
  }
  // The wrong proof that reached the threshold says so, for an unknown address as for an account (the
  // counters are the same): its next attempt would be refused, and "invalid" would invite one more.
  const now = lockedNow(reservation, source, reservedAt, policy);
  return now === null ? { ok: true, value: false } : { ok: true, value: false, lockedNow: now };
}

/**
 * Records an attempt a lock refused (`login_refused_locked`), folded (`recordsRefusedSignIn`): an
 * incident responder sees the attempts made during a lockout, and an attacker's unbounded attempts
 * add a bounded number of entries. After the answer, in the background: the refusal of an address
 * without an account does no such work, and the answer must not take longer for one with an
 * account (a full queue skips the entry; the answer is the same).
 */
function recordRefusedAttempt(
  deps: Pick<Dependencies, "clock" | "random" | "securityEvents" | "backgroundTasks">,
  input: { userId: UserId; client: ClientInfo },
): void {
  deps.backgroundTasks.enqueue({
    name: "refused-sign-in-record",
    run: async () => {
      const event = newSecurityEvent(deps, {
        userId: input.userId,
        type: "login_refused_locked",
        client: input.client,
      });
      // Folded under the user's lock: the queue runs several tasks at once, and two attempts from
      // one address handled together would otherwise both find no entry and both be recorded.
      await deps.securityEvents.recordFolded(event, {
        types: ["login_refused_locked"],
        limit: refusedSignInEntriesPerWindow,
        admits: (recent) => recordsRefusedSignIn(recent, { ip: event.ip, now: event.occurredAt }),
      });
    },
  });
}

/** The failure of an attempt refused by a lock that holds until `until`. */
function accountLocked(until: Date, now: Date): AccountLocked {
  const retryAfterSeconds = secondsUntil(until, now);
  return {
    ok: false,
    error: "ACCOUNT_LOCKED",
    // In whole minutes, as a lock lasts minutes.
    message: `Too many failed sign-in attempts; try again in ${durationInWords(Math.ceil(retryAfterSeconds / 60) * 60)} or reset your password`,
    retryAfterSeconds,
  };
}

/** The lock this source's next attempt would meet, now that its wrong proof is counted (null: none). */
function lockedNow(
  reservation: Extract<LoginAttemptReservation, { locked: false }>,
  source: SignInSource,
  now: Date,
  policy: LockoutPolicy,
): AccountLocked | null {
  if (reservation.lockedScopes.length === 0) return null;
  const decision = decideLockout({
    sourceFailures: reservation.sourceFailures,
    accountFailures: reservation.accountFailures,
    sourceIsKnown: source.known,
    now,
    policy,
  });
  return decision.locked ? accountLocked(decision.until, now) : null;
}

/**
 * After a completed sign-in: the counters of this client and the account-wide
 * one start again, and the client's device and IP become known to the account.
 */
export async function recordSuccessfulSignIn(
  deps: Pick<Dependencies, "lockout" | "clock" | "secretHasher">,
  input: { userId: UserId; account: string; client: ClientInfo },
): Promise<void> {
  const now = deps.clock.now();
  const deviceKey = deviceKeyOf(deps, input.client);
  const sources = deviceKey === null ? [ipKeyOf(input.client)] : [deviceKey, ipKeyOf(input.client)];
  await deps.lockout.clearLoginFailures({ account: input.account, sources: [...sources, accountWideSource] });
  await deps.lockout.rememberSignInSources({ userId: input.userId, sources, now });
}

/** Lifts every lock of an account (a password reset proves ownership). */
export async function unlockAccount(
  deps: Pick<Dependencies, "lockout">,
  input: { account: string },
): Promise<void> {
  await deps.lockout.clearLoginFailures({ account: input.account });
}
