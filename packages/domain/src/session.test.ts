import { describe, expect, it } from "vitest";
import {
  chooseSessionsToEnd,
  decideRefresh,
  formatRefreshToken,
  isAuthenticationMethod,
  lastActivityOf,
  parseRefreshToken,
  type RefreshToken,
  type RefreshTokenId,
  type Session,
  type SessionId,
  sessionSeenIntervalMs,
  shouldRecordSessionSeen,
  signInAuthenticationMethods,
} from "./session.ts";
import type { UserId } from "./user.ts";

const t0 = new Date("2026-03-01T12:00:00.000Z");
const at = (ms: number): Date => new Date(t0.getTime() + ms);
const day = 24 * 3600 * 1000;
const graceMs = 10_000;
const maxSessionAgeMs = 30 * 24 * 3600 * 1000;

const session: Session = {
  id: "00000000-0000-7000-8000-0000000000a1" as SessionId,
  userId: "00000000-0000-7000-8000-0000000000b1" as UserId,
  createdAt: t0,
  lastUsedAt: t0,
  lastSeenAt: null,
  revokedAt: null,
  userAgent: null,
  ip: null,
  authenticatedAt: t0,
  authenticationMethods: ["pwd"],
};

function token(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: "00000000-0000-7000-8000-0000000000c1" as RefreshTokenId,
    sessionId: session.id,
    secretHash: "hash",
    parentId: null,
    replacedById: null,
    createdAt: t0,
    expiresAt: at(7 * day),
    rotatedAt: null,
    ...overrides,
  };
}

const successorId = "00000000-0000-7000-8000-0000000000c2" as RefreshTokenId;
/** The presented token, rotated at `rotatedAtMs` into a successor. */
function rotatedToken(rotatedAtMs: number): RefreshToken {
  return token({ rotatedAt: at(rotatedAtMs), replacedById: successorId });
}
function successor(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return token({
    id: successorId,
    parentId: token().id,
    createdAt: at(1000),
    expiresAt: at(1000 + 7 * day),
    ...overrides,
  });
}

const kept = "encrypted-successor-secret";

/** decideRefresh for a live token of the live session a minute after sign-in, with `overrides`. */
function decide(overrides: Partial<Parameters<typeof decideRefresh>[0]> = {}) {
  return decideRefresh({
    token: token(),
    session,
    successor: null,
    keptSuccessorSecret: null,
    now: at(60_000),
    graceMs,
    maxSessionAgeMs,
    ...overrides,
  });
}

/** The presented token rotated at 1 s into a live successor whose secret is kept. */
const duplicate = { token: rotatedToken(1000), successor: successor(), keptSuccessorSecret: kept };

describe("decideRefresh", () => {
  it("rotates a live, unexpired token", () => {
    expect(decide()).toEqual({ kind: "rotate" });
  });

  it("rejects any token of a revoked session as revoked", () => {
    const revoked = { ...session, revokedAt: at(500) };
    expect(decide({ session: revoked, now: at(1000) })).toEqual({ kind: "reject", reason: "revoked" });
    // Revocation wins over reuse detection and over the grace period: the family is already dead.
    expect(decide({ ...duplicate, session: revoked, now: at(60_000) })).toEqual({
      kind: "reject",
      reason: "revoked",
    });
    expect(decide({ ...duplicate, session: revoked, now: at(2000) })).toEqual({
      kind: "reject",
      reason: "revoked",
    });
  });

  it("rejects a token at its expiry instant as expired, and accepts it one millisecond before", () => {
    const expiring = token({ expiresAt: at(7 * day) });
    expect(decide({ token: expiring, now: at(7 * day) })).toEqual({ kind: "reject", reason: "expired" });
    expect(decide({ token: expiring, now: at(7 * day - 1) })).toEqual({ kind: "rotate" });
  });

  it("rejects an expired rotated token as expired rather than as reuse", () => {
    expect(decide({ ...duplicate, now: at(8 * day) })).toEqual({ kind: "reject", reason: "expired" });
  });

  it("answers the immediate predecessor of the live token, within the grace period, with that same live successor", () => {
    expect(decide({ ...duplicate, now: at(5000) })).toEqual({
      kind: "return-current-successor",
      successor: successor(),
      keptSecret: kept,
    });
  });

  it("answers with the successor even when the presentation began before the rotation instant (a concurrent request)", () => {
    expect(decide({ ...duplicate, now: at(999) })).toMatchObject({ kind: "return-current-successor" });
  });

  it("treats exactly graceMs after rotation as within grace, and one millisecond later as reuse", () => {
    expect(decide({ ...duplicate, now: at(1000 + graceMs) })).toMatchObject({
      kind: "return-current-successor",
    });
    expect(decide({ ...duplicate, now: at(1000 + graceMs + 1) })).toEqual({ kind: "reuse-detected" });
  });

  it("detects reuse of a rotated token after the grace period, whatever is kept of its successor", () => {
    expect(decide({ ...duplicate, now: at(60_000) })).toEqual({ kind: "reuse-detected" });
    expect(decide({ ...duplicate, keptSuccessorSecret: null, now: at(60_000) })).toEqual({
      kind: "reuse-detected",
    });
    expect(decide({ ...duplicate, successor: null, keptSuccessorSecret: null, now: at(60_000) })).toEqual({
      kind: "reuse-detected",
    });
  });

  it("detects reuse within the grace period when the successor was itself rotated (an older generation)", () => {
    const rotatedSuccessor = successor({
      rotatedAt: at(2000),
      replacedById: "00000000-0000-7000-8000-0000000000c3" as RefreshTokenId,
    });
    expect(decide({ ...duplicate, successor: rotatedSuccessor, now: at(3000) })).toEqual({
      kind: "reuse-detected",
    });
    expect(
      decide({ ...duplicate, successor: rotatedSuccessor, keptSuccessorSecret: null, now: at(3000) }),
    ).toEqual({ kind: "reuse-detected" });
  });

  it("refuses, without detecting reuse, a duplicate within the grace period whose successor's secret is not kept", () => {
    expect(decide({ ...duplicate, keptSuccessorSecret: null, now: at(5000) })).toEqual({
      kind: "reject",
      reason: "successor-unavailable",
    });
    expect(decide({ ...duplicate, successor: null, now: at(5000) })).toEqual({
      kind: "reject",
      reason: "successor-unavailable",
    });
  });

  it("rejects a live token once the session reached its absolute age, and not a millisecond before", () => {
    const old = { ...session, createdAt: at(0) };
    const live = token({ expiresAt: at(40 * day) });
    expect(decide({ token: live, session: old, now: at(30 * day) })).toEqual({
      kind: "reject",
      reason: "session-too-old",
    });
    expect(decide({ token: live, session: old, now: at(30 * day - 1) })).toEqual({ kind: "rotate" });
  });

  it("with a zero grace period detects any second presentation after the rotation instant", () => {
    expect(decide({ ...duplicate, keptSuccessorSecret: null, now: at(1001), graceMs: 0 })).toEqual({
      kind: "reuse-detected",
    });
    expect(decide({ ...duplicate, keptSuccessorSecret: null, now: at(1000), graceMs: 0 })).toEqual({
      kind: "reject",
      reason: "successor-unavailable",
    });
  });

  // Our clock stepped back after the rotation (NTP correcting it), or a fast instance rotated it.
  it("forgives a duplicate rotated a few seconds ahead of this clock, within the grace period", () => {
    expect(decide({ ...duplicate, now: at(1000 - 3000) })).toMatchObject({
      kind: "return-current-successor",
    });
  });

  it("neither forgives nor punishes a duplicate rotated further ahead of this clock than the grace", () => {
    // Before, the grace period lasted until this clock reached the rotation: an hour after an hour's
    // step, a copied token was handed the live one. Now a plain refusal; the session lives on.
    for (const stepMs of [graceMs + 1, 3600_000, 7 * day]) {
      expect(decide({ ...duplicate, now: at(1000 - stepMs) })).toEqual({
        kind: "reject",
        reason: "rotated-ahead-of-the-clock",
      });
    }
  });

  it("ends a session signed in further ahead of this clock than the session may last", () => {
    // Signed in by a clock a year fast: before, it was young for a year more.
    const ahead = { ...session, createdAt: at(maxSessionAgeMs + day) };
    expect(decide({ session: ahead, token: token({ expiresAt: at(maxSessionAgeMs + 8 * day) }) })).toEqual({
      kind: "reject",
      reason: "session-too-old",
    });
    // A few seconds ahead (another instance's clock) is a young session.
    expect(decide({ session: { ...session, createdAt: at(65_000) } })).toEqual({ kind: "rotate" });
  });

  it("reaches every outcome, and only these", () => {
    const outcomes = new Set(
      [
        decide(),
        decide({ ...duplicate, now: at(5000) }),
        decide({ ...duplicate, now: at(60_000) }),
        decide({ session: { ...session, revokedAt: at(1) } }),
        decide({ now: at(7 * day) }),
        decide({ session: { ...session, createdAt: at(-maxSessionAgeMs) } }),
        decide({ ...duplicate, keptSuccessorSecret: null, now: at(5000) }),
        decide({ ...duplicate, now: at(1000 - graceMs - 1) }),
      ].map((d) => (d.kind === "reject" ? `reject:${d.reason}` : d.kind)),
    );
    expect([...outcomes].sort()).toEqual([
      "reject:expired",
      "reject:revoked",
      "reject:rotated-ahead-of-the-clock",
      "reject:session-too-old",
      "reject:successor-unavailable",
      "return-current-successor",
      "reuse-detected",
      "rotate",
    ]);
  });
});

describe("chooseSessionsToEnd", () => {
  const sessionUsedAt = (n: number, overrides: Partial<Session> = {}): Session => ({
    ...session,
    id: `00000000-0000-7000-8000-0000000001${String(n).padStart(2, "0")}` as SessionId,
    lastUsedAt: at(n * 1000),
    ...overrides,
  });

  it("ends nothing while one more session fits", () => {
    expect(chooseSessionsToEnd({ liveSessions: [], maxSessions: 1 })).toEqual([]);
    expect(
      chooseSessionsToEnd({ liveSessions: [sessionUsedAt(1), sessionUsedAt(2)], maxSessions: 3 }),
    ).toEqual([]);
  });

  it("at the cap, ends the least recently used session", () => {
    const [a, b, c] = [sessionUsedAt(3), sessionUsedAt(1), sessionUsedAt(2)];
    expect(chooseSessionsToEnd({ liveSessions: [a, b, c], maxSessions: 3 })).toEqual([b.id]);
  });

  it("above the cap (a lowered setting), ends as many as needed, least recently used first", () => {
    const live = [sessionUsedAt(5), sessionUsedAt(2), sessionUsedAt(4), sessionUsedAt(1), sessionUsedAt(3)];
    expect(chooseSessionsToEnd({ liveSessions: live, maxSessions: 3 })).toEqual([
      sessionUsedAt(1).id,
      sessionUsedAt(2).id,
      sessionUsedAt(3).id,
    ]);
  });

  it("with a cap of one, ends every other session", () => {
    expect(
      chooseSessionsToEnd({ liveSessions: [sessionUsedAt(2), sessionUsedAt(1)], maxSessions: 1 }),
    ).toEqual([sessionUsedAt(1).id, sessionUsedAt(2).id]);
  });

  it("breaks a tie in last use by the older sign-in, then by id", () => {
    const newer = sessionUsedAt(1, { createdAt: at(500) });
    const older = sessionUsedAt(2, { lastUsedAt: at(1000), createdAt: at(100) });
    expect(chooseSessionsToEnd({ liveSessions: [newer, older], maxSessions: 2 })).toEqual([older.id]);
    const first = sessionUsedAt(3, { lastUsedAt: at(1000) });
    const second = sessionUsedAt(4, { lastUsedAt: at(1000) });
    expect(chooseSessionsToEnd({ liveSessions: [second, first], maxSessions: 2 })).toEqual([first.id]);
  });

  it("counts a browser session seen on a page as used then: an API session refreshed earlier ends first", () => {
    // The account center's session, signed in first and never refreshed, but on a page just now.
    const browser = sessionUsedAt(1, { lastSeenAt: at(9000) });
    const api = sessionUsedAt(5);
    expect(chooseSessionsToEnd({ liveSessions: [browser, api], maxSessions: 2 })).toEqual([api.id]);
    // Seen before the other's refresh, it is the less recently used one.
    const seenEarlier = sessionUsedAt(1, { lastSeenAt: at(3000) });
    expect(chooseSessionsToEnd({ liveSessions: [seenEarlier, api], maxSessions: 2 })).toEqual([
      seenEarlier.id,
    ]);
  });
});

describe("lastActivityOf and shouldRecordSessionSeen", () => {
  it("takes the later of the last refresh and the last page", () => {
    expect(lastActivityOf({ ...session, lastUsedAt: at(5000), lastSeenAt: null })).toEqual(at(5000));
    expect(lastActivityOf({ ...session, lastUsedAt: at(5000), lastSeenAt: at(9000) })).toEqual(at(9000));
    expect(lastActivityOf({ ...session, lastUsedAt: at(5000), lastSeenAt: at(1000) })).toEqual(at(5000));
  });

  it("records a session never seen, and then at most once per interval", () => {
    expect(shouldRecordSessionSeen({ ...session, lastSeenAt: null }, at(0))).toBe(true);
    const seen = { ...session, lastSeenAt: at(0) };
    expect(shouldRecordSessionSeen(seen, at(sessionSeenIntervalMs - 1))).toBe(false);
    expect(shouldRecordSessionSeen(seen, at(sessionSeenIntervalMs))).toBe(true);
    // A clock that stepped back records nothing new.
    expect(shouldRecordSessionSeen(seen, at(-5000))).toBe(false);
    // Unless it stepped back by more than the interval: the time seen ahead is written again, not
    // left until this clock reaches it (the account pages would show it as the last activity).
    expect(shouldRecordSessionSeen(seen, at(-day))).toBe(true);
  });
});

describe("formatRefreshToken and parseRefreshToken", () => {
  const id = "0190a000-1234-7abc-8def-0123456789ab" as RefreshTokenId;
  const secret = "Zm9vYmFyYmF6cXV4LXF1dXhfY29yZ2VncmF1bHRnYXJwbHk";

  it("round-trips an id and a secret", () => {
    const formatted = formatRefreshToken({ id, secret });
    expect(formatted).toBe(`${id}.${secret}`);
    expect(parseRefreshToken(formatted)).toEqual({ id, secret });
  });

  it("accepts a 43-character secret, the minimum for 256 bits", () => {
    const shortest = "a".repeat(43);
    expect(parseRefreshToken(formatRefreshToken({ id, secret: shortest }))).toEqual({ id, secret: shortest });
  });

  it.each([
    [
      "a JWT",
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ],
    ["an empty string", ""],
    ["a secret of 42 characters", `${id}.${"a".repeat(42)}`],
    ["no separator", `${id}${secret}`],
    ["an extra segment", `${id}.${secret}.${secret}`],
    ["an upper-case id", `${id.toUpperCase()}.${secret}`],
    ["a short id", `${id.slice(1)}.${secret}`],
    ["padding in the secret", `${id}.${secret}=`],
    ["surrounding whitespace", ` ${id}.${secret} `],
  ])("rejects %s", (_label, raw) => {
    expect(parseRefreshToken(raw)).toBeNull();
  });
});

describe("a sign-in's authentication methods (RFC 8176, for an ID token's amr)", () => {
  it.each([
    ["password", false, ["pwd"]],
    ["password", true, ["pwd", "otp", "mfa"]],
    ["github", false, ["fed"]],
    ["google", true, ["fed", "otp", "mfa"]],
  ] as const)("first factor %s, second factor %s: %j", (firstFactor, secondFactor, methods) => {
    expect(signInAuthenticationMethods({ firstFactor, secondFactor })).toEqual(methods);
  });

  it("reads back only the names it knows", () => {
    expect(["pwd", "otp", "mfa", "fed"].every(isAuthenticationMethod)).toBe(true);
    expect(["", "PWD", "hwk", "sms", "password"].some(isAuthenticationMethod)).toBe(false);
  });
});
