import { describe, expect, it } from "vitest";
import { defaultReauthMaxAgeMs, hasFreshProof } from "./fresh-proof.ts";

const provedAt = new Date("2026-03-01T12:00:00.000Z");
const later = (ms: number): Date => new Date(provedAt.getTime() + ms);
const live = { authenticatedAt: provedAt, revokedAt: null };

describe("hasFreshProof", () => {
  it("counts a proof as fresh up to and including the maximum age, and stale one millisecond later", () => {
    const maxAgeMs = defaultReauthMaxAgeMs;
    expect(hasFreshProof({ session: live, now: provedAt, maxAgeMs })).toBe(true);
    expect(hasFreshProof({ session: live, now: later(maxAgeMs), maxAgeMs })).toBe(true);
    expect(hasFreshProof({ session: live, now: later(maxAgeMs + 1), maxAgeMs })).toBe(false);
  });

  it("defaults to five minutes", () => {
    expect(defaultReauthMaxAgeMs).toBe(300_000);
  });

  it("takes a proof dated a little after now (another instance's clock) as fresh", () => {
    expect(hasFreshProof({ session: live, now: later(-2000), maxAgeMs: 60_000 })).toBe(true);
  });

  it("does not take a proof dated further after now than the maximum age as fresh (a clock that was fast)", () => {
    expect(hasFreshProof({ session: live, now: later(-60_001), maxAgeMs: 60_000 })).toBe(false);
    expect(hasFreshProof({ session: live, now: later(-365 * 24 * 3600_000), maxAgeMs: 60_000 })).toBe(false);
  });

  it("never counts the proof of a revoked session", () => {
    const revoked = { authenticatedAt: provedAt, revokedAt: provedAt };
    expect(hasFreshProof({ session: revoked, now: provedAt, maxAgeMs: 60_000 })).toBe(false);
  });
});
