import {
  accountWideSource,
  countFailedLogin,
  decideLockout,
  knownSourceLifetimeMs,
  secondsUntil,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import type { ClientInfo } from "./start-session.ts";

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

/** ACCOUNT_LOCKED when this source may not try to sign in to `account` now; null when it may. */
export async function checkSignInLockout(
  deps: Pick<Dependencies, "lockout" | "clock">,
  input: { account: string; source: SignInSource },
): Promise<AccountLocked | null> {
  const { account, source } = input;
  const now = deps.clock.now();
  const failures = await deps.lockout.findLoginFailures({
    account,
    sources: [source.key, accountWideSource],
  });
  const decision = decideLockout({
    sourceFailures: failures.get(source.key) ?? null,
    accountFailures: failures.get(accountWideSource) ?? null,
    sourceIsKnown: source.known,
    now,
  });
  if (!decision.locked) return null;
  const retryAfterSeconds = secondsUntil(decision.until, now);
  return {
    ok: false,
    error: "ACCOUNT_LOCKED",
    message: `Too many failed sign-in attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes or reset your password`,
    retryAfterSeconds,
  };
}

/**
 * Counts a failed attempt (wrong password or wrong second-factor code) on the
 * source's counter and the account-wide one, and records `account_locked` for
 * an existing account when this failure locked either.
 */
export async function countFailedSignIn(
  deps: Pick<Dependencies, "lockout" | "clock" | "random" | "securityEvents" | "settings">,
  input: { account: string; source: SignInSource; userId: UserId | null; client: ClientInfo },
): Promise<void> {
  const now = deps.clock.now();
  const policy = deps.settings.lockout;
  const lockedScopes: string[] = [];
  for (const source of [input.source.key, accountWideSource]) {
    await deps.lockout.updateLoginFailures({
      account: input.account,
      source,
      update: (failures) => {
        const counted = countFailedLogin({ failures, now, policy });
        if (counted.lockedNow) lockedScopes.push(source === accountWideSource ? "account" : "source");
        return counted.failures;
      },
    });
  }
  if (input.userId !== null && lockedScopes.length > 0) {
    await recordSecurityEvent(deps, {
      userId: input.userId,
      type: "account_locked",
      client: input.client,
      details: { scope: lockedScopes.join(","), minutes: Math.round(policy.durationMs / 60_000) },
    });
  }
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
  for (const source of sources)
    await deps.lockout.rememberSignInSource({ userId: input.userId, source, now });
}

/** Lifts every lock of an account (a password reset proves ownership). */
export async function unlockAccount(
  deps: Pick<Dependencies, "lockout">,
  input: { account: string },
): Promise<void> {
  await deps.lockout.clearLoginFailures({ account: input.account });
}
