import { describe, expect, it } from "vitest";
import {
  decideRefresh,
  formatRefreshToken,
  parseRefreshToken,
  type RefreshToken,
  type RefreshTokenId,
  type Session,
  type SessionId,
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
  revokedAt: null,
  userAgent: null,
  ip: null,
  authenticatedAt: t0,
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

describe("decideRefresh", () => {
  it("rotates a live, unexpired token", () => {
    expect(
      decideRefresh({ token: token(), session, successor: null, now: at(60_000), graceMs, maxSessionAgeMs }),
    ).toEqual({
      kind: "rotate",
    });
  });

  it("rejects any token of a revoked session as revoked", () => {
    const revoked = { ...session, revokedAt: at(500) };
    expect(
      decideRefresh({
        token: token(),
        session: revoked,
        successor: null,
        now: at(1000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({
      kind: "reject",
      reason: "revoked",
    });
    // Revocation wins over reuse detection: the family is already dead.
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session: revoked,
        successor: successor(),
        now: at(60_000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reject", reason: "revoked" });
  });

  it("rejects a token at its expiry instant as expired, and accepts it one millisecond before", () => {
    const expiring = token({ expiresAt: at(7 * day) });
    expect(
      decideRefresh({
        token: expiring,
        session,
        successor: null,
        now: at(7 * day),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({
      kind: "reject",
      reason: "expired",
    });
    expect(
      decideRefresh({
        token: expiring,
        session,
        successor: null,
        now: at(7 * day - 1),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({
      kind: "rotate",
    });
  });

  it("rejects an expired rotated token as expired rather than as reuse", () => {
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: successor(),
        now: at(8 * day),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reject", reason: "expired" });
  });

  it("reissues a just-rotated token within the grace period when its successor is live", () => {
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: successor(),
        now: at(5000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reissue-within-grace" });
  });

  it("reissues within the grace period while the successor is still being written (null)", () => {
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: null,
        now: at(1000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({
      kind: "reissue-within-grace",
    });
  });

  it("treats exactly graceMs after rotation as within grace, and one millisecond later as reuse", () => {
    const presented = rotatedToken(1000);
    expect(
      decideRefresh({
        token: presented,
        session,
        successor: successor(),
        now: at(1000 + graceMs),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reissue-within-grace" });
    expect(
      decideRefresh({
        token: presented,
        session,
        successor: successor(),
        now: at(1000 + graceMs + 1),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reuse-detected" });
  });

  it("detects reuse of a rotated token after the grace period", () => {
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: successor(),
        now: at(60_000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reuse-detected" });
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: null,
        now: at(60_000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({
      kind: "reuse-detected",
    });
  });

  it("detects reuse within the grace period when the successor was itself rotated", () => {
    const rotatedSuccessor = successor({
      rotatedAt: at(2000),
      replacedById: "00000000-0000-7000-8000-0000000000c3" as RefreshTokenId,
    });
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: rotatedSuccessor,
        now: at(3000),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reuse-detected" });
  });

  it("rejects a live token once the session reached its absolute age, and not a millisecond before", () => {
    const old = { ...session, createdAt: at(0) };
    const live = token({ expiresAt: at(40 * day) });
    expect(
      decideRefresh({
        token: live,
        session: old,
        successor: null,
        now: at(30 * day),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reject", reason: "session-too-old" });
    expect(
      decideRefresh({
        token: live,
        session: old,
        successor: null,
        now: at(30 * day - 1),
        graceMs,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "rotate" });
  });

  it("with a zero grace period detects any second presentation after the rotation instant", () => {
    expect(
      decideRefresh({
        token: rotatedToken(1000),
        session,
        successor: successor(),
        now: at(1001),
        graceMs: 0,
        maxSessionAgeMs,
      }),
    ).toEqual({ kind: "reuse-detected" });
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
