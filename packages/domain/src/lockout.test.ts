import { describe, expect, it } from "vitest";
import {
  countFailedLogin,
  decideLockout,
  isLockedAt,
  type LockoutPolicy,
  type LoginFailures,
  refundLoginAttempt,
  reserveLoginAttempt,
  secondsUntil,
} from "./lockout.ts";

const policy: LockoutPolicy = { threshold: 5, windowMs: 15 * 60_000, durationMs: 30 * 60_000 };
const t0 = new Date("2026-03-01T12:00:00.000Z");
const t0Plus = (ms: number) => new Date(t0.getTime() + ms);

function failTimes(times: number, start: LoginFailures | null = null, stepMs = 1000) {
  let failures = start;
  let lockedNow = false;
  for (let i = 0; i < times; i++) {
    ({ failures, lockedNow } = countFailedLogin({ failures, now: t0Plus(i * stepMs), policy }));
  }
  if (failures === null) throw new Error("no failures counted");
  return { failures, lockedNow };
}

describe("countFailedLogin", () => {
  it("counts from one and does not lock below the threshold", () => {
    const { failures, lockedNow } = failTimes(4);
    expect(failures).toEqual({ count: 4, windowStartedAt: t0, lockedUntil: null });
    expect(lockedNow).toBe(false);
  });

  it("locks for the lock duration at the threshold, counted from the failure that reached it", () => {
    const { failures, lockedNow } = failTimes(5);
    expect(lockedNow).toBe(true);
    expect(failures.lockedUntil).toEqual(t0Plus(4000 + 30 * 60_000));
  });

  it("starts again at one when the window has passed since the first failure", () => {
    const { failures } = failTimes(4);
    const next = countFailedLogin({ failures, now: t0Plus(15 * 60_000), policy });
    expect(next).toEqual({
      failures: { count: 1, windowStartedAt: t0Plus(15 * 60_000), lockedUntil: null },
      lockedNow: false,
    });
  });

  it("does not count failures while locked, so a lock cannot be extended by trying", () => {
    const { failures } = failTimes(5);
    const during = countFailedLogin({ failures, now: t0Plus(10 * 60_000), policy });
    expect(during).toEqual({ failures, lockedNow: false });
  });

  it("starts again at one once the lock has run out", () => {
    const { failures } = failTimes(5);
    const later = t0Plus(4000 + 30 * 60_000);
    expect(countFailedLogin({ failures, now: later, policy })).toEqual({
      failures: { count: 1, windowStartedAt: later, lockedUntil: null },
      lockedNow: false,
    });
  });

  it("starts again at one once a lock shorter than the window has run out, the window not yet passed", () => {
    const short = { ...policy, durationMs: 5 * 60_000 };
    let failures: LoginFailures | null = null;
    for (let i = 0; i < 5; i++)
      ({ failures } = countFailedLogin({ failures, now: t0Plus(i * 1000), policy: short }));
    const later = t0Plus(6 * 60_000);
    expect(countFailedLogin({ failures, now: later, policy: short })).toEqual({
      failures: { count: 1, windowStartedAt: later, lockedUntil: null },
      lockedNow: false,
    });
  });
});

describe("isLockedAt", () => {
  it("is locked until the instant the lock ends, and not from then on", () => {
    const { failures } = failTimes(5);
    const end = failures.lockedUntil ?? t0;
    expect(isLockedAt(failures, new Date(end.getTime() - 1), policy)).toBe(true);
    expect(isLockedAt(failures, end, policy)).toBe(false);
    expect(isLockedAt(null, t0, policy)).toBe(false);
  });

  // A lock set while this clock (or another instance's) was fast, read once it is right again.
  it("holds a lock set by a clock a step ahead for at most the step longer", () => {
    const { failures } = failTimes(5);
    const end = failures.lockedUntil ?? t0;
    // The clock steps back 20 minutes (less than a lock lasts) just after the lock was set.
    const stepBack = 20 * 60_000;
    expect(isLockedAt(failures, t0Plus(5_000 - stepBack), policy)).toBe(true);
    expect(isLockedAt(failures, new Date(end.getTime() - 1), policy)).toBe(true);
    expect(isLockedAt(failures, end, policy)).toBe(false);
  });

  it("does not hold a lock set by a clock a year ahead until this clock reaches it", () => {
    const { failures } = failTimes(5);
    const aYearEarlier = new Date(t0.getTime() - 365 * 24 * 3600_000);
    expect(isLockedAt(failures, aYearEarlier, policy)).toBe(false);
    // Nor does the window the failures began in keep counting them: the next failure starts again.
    const unlocked = { ...failures, count: 4, lockedUntil: null };
    expect(countFailedLogin({ failures: unlocked, now: aYearEarlier, policy }).failures).toEqual({
      count: 1,
      windowStartedAt: aYearEarlier,
      lockedUntil: null,
    });
  });

  it("keeps counting failures in a window begun a few seconds ahead (another instance's clock)", () => {
    const { failures } = failTimes(3);
    expect(countFailedLogin({ failures, now: t0Plus(-3_000), policy }).failures.count).toBe(4);
  });
});

describe("decideLockout", () => {
  const locked = failTimes(5).failures;
  const until = locked.lockedUntil ?? t0;
  const now = t0Plus(60_000);

  it("refuses a source whose own counter is locked, known or not", () => {
    for (const sourceIsKnown of [true, false]) {
      expect(
        decideLockout({ sourceFailures: locked, accountFailures: null, sourceIsKnown, now, policy }),
      ).toEqual({
        locked: true,
        until,
      });
    }
  });

  it("refuses an unknown source while the account-wide counter is locked", () => {
    expect(
      decideLockout({ sourceFailures: null, accountFailures: locked, sourceIsKnown: false, now, policy }),
    ).toEqual({ locked: true, until });
  });

  it("lets a known source through an account-wide lock", () => {
    expect(
      decideLockout({ sourceFailures: null, accountFailures: locked, sourceIsKnown: true, now, policy }),
    ).toEqual({
      locked: false,
    });
  });

  it("refuses an unknown source until the later of its own lock and the account-wide one ends", () => {
    const sourceLocked = { ...locked, lockedUntil: t0Plus(10 * 60_000) };
    const accountLocked = { ...locked, lockedUntil: t0Plus(40 * 60_000) };
    const pairs: [LoginFailures, LoginFailures][] = [
      [sourceLocked, accountLocked],
      [accountLocked, sourceLocked],
    ];
    for (const [sourceFailures, accountFailures] of pairs) {
      expect(decideLockout({ sourceFailures, accountFailures, sourceIsKnown: false, now, policy })).toEqual({
        locked: true,
        until: t0Plus(40 * 60_000),
      });
    }
    // A known source waits for its own lock only.
    expect(
      decideLockout({
        sourceFailures: sourceLocked,
        accountFailures: accountLocked,
        sourceIsKnown: true,
        now,
        policy,
      }),
    ).toEqual({ locked: true, until: t0Plus(10 * 60_000) });
  });

  it("lets everyone through once the locks have run out", () => {
    expect(
      decideLockout({
        sourceFailures: locked,
        accountFailures: locked,
        sourceIsKnown: false,
        now: until,
        policy,
      }),
    ).toEqual({ locked: false });
  });
});

describe("reserveLoginAttempt", () => {
  const locked = failTimes(5).failures;
  const now = t0Plus(60_000);

  it("counts the attempt on both counters before it is checked", () => {
    const reservation = reserveLoginAttempt({
      sourceFailures: null,
      accountFailures: failTimes(2).failures,
      sourceIsKnown: false,
      now,
      policy,
    });
    expect(reservation).toEqual({
      locked: false,
      sourceFailures: { count: 1, windowStartedAt: now, lockedUntil: null },
      accountFailures: { count: 3, windowStartedAt: t0, lockedUntil: null },
      lockedScopes: [],
    });
  });

  it("says which counters the attempt locked when it reaches the threshold", () => {
    const four = failTimes(4).failures;
    const reservation = reserveLoginAttempt({
      sourceFailures: four,
      accountFailures: four,
      sourceIsKnown: false,
      now,
      policy,
    });
    expect(reservation).toMatchObject({ locked: false, lockedScopes: ["source", "account"] });
  });

  it("refuses without counting while a lock is in force, and lets a known source through an account-wide one", () => {
    expect(
      reserveLoginAttempt({
        sourceFailures: null,
        accountFailures: locked,
        sourceIsKnown: false,
        now,
        policy,
      }),
    ).toEqual({ locked: true, until: locked.lockedUntil });
    expect(
      reserveLoginAttempt({
        sourceFailures: null,
        accountFailures: locked,
        sourceIsKnown: true,
        now,
        policy,
      }),
    ).toEqual({
      locked: false,
      sourceFailures: { count: 1, windowStartedAt: now, lockedUntil: null },
      accountFailures: locked,
      lockedScopes: [],
    });
  });

  it("lets exactly threshold attempts through when applied one after the other", () => {
    let sourceFailures: LoginFailures | null = null;
    let accountFailures: LoginFailures | null = null;
    let granted = 0;
    for (let i = 0; i < 50; i++) {
      const reservation = reserveLoginAttempt({
        // Each attempt from a new address: only the account-wide counter holds them back.
        sourceFailures: i === 0 ? sourceFailures : null,
        accountFailures,
        sourceIsKnown: false,
        now,
        policy,
      });
      if (reservation.locked) continue;
      granted++;
      ({ sourceFailures, accountFailures } = reservation);
    }
    expect(granted).toBe(policy.threshold);
  });
});

describe("refundLoginAttempt", () => {
  it("takes the attempt back and lifts the lock it completed", () => {
    const { failures } = failTimes(5);
    expect(refundLoginAttempt({ failures, reservedAt: t0Plus(4000), policy })).toEqual({
      count: 4,
      windowStartedAt: t0,
      lockedUntil: null,
    });
  });

  it("leaves a cleared counter, or one started again after the reservation, as it is", () => {
    expect(refundLoginAttempt({ failures: null, reservedAt: t0, policy })).toBeNull();
    const restarted = { count: 2, windowStartedAt: t0Plus(20 * 60_000), lockedUntil: null };
    expect(refundLoginAttempt({ failures: restarted, reservedAt: t0, policy })).toEqual(restarted);
  });

  it("leaves a counter at zero (a row made empty before its update) at zero", () => {
    const empty = { count: 0, windowStartedAt: new Date(0), lockedUntil: null };
    expect(refundLoginAttempt({ failures: empty, reservedAt: t0, policy })).toEqual(empty);
  });

  it("keeps a lock that holds without the attempt (threshold lowered meanwhile)", () => {
    const { failures } = failTimes(5);
    const lower = { ...policy, threshold: 3 };
    expect(refundLoginAttempt({ failures, reservedAt: t0Plus(4000), policy: lower })).toEqual({
      ...failures,
      count: 4,
    });
    const atFour = { ...policy, threshold: 4 };
    expect(refundLoginAttempt({ failures, reservedAt: t0Plus(4000), policy: atFour })).toEqual({
      ...failures,
      count: 4,
    });
  });
});

describe("secondsUntil", () => {
  it("rounds up to whole seconds and never says zero", () => {
    expect(secondsUntil(t0Plus(1500), t0)).toBe(2);
    expect(secondsUntil(t0Plus(30 * 60_000), t0)).toBe(1800);
    expect(secondsUntil(t0, t0)).toBe(1);
  });
});
