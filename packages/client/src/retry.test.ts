import { describe, expect, it, vi } from "vitest";
import { timerDelay } from "./abort.ts";
import { backoffDelay, defaultRetryPolicy, isRetryable, parseRetryAfter } from "./retry.ts";

describe("retry rules", () => {
  it("retries the API's own 429 and 503 whatever the method; other 5xx, a proxy's 429 or 503, and network failures only when idempotent", () => {
    for (const idempotent of [true, false]) {
      expect(isRetryable({ status: 429, idempotent, notHandled: true })).toBe(true);
      expect(isRetryable({ status: 503, idempotent, notHandled: true })).toBe(true);
      expect(isRetryable({ status: 503, idempotent, notHandled: false })).toBe(idempotent);
      expect(isRetryable({ status: 429, idempotent, notHandled: false })).toBe(idempotent);
      expect(isRetryable({ status: 500, idempotent, notHandled: false })).toBe(idempotent);
      expect(isRetryable({ status: 502, idempotent, notHandled: false })).toBe(idempotent);
      expect(isRetryable({ status: null, idempotent, notHandled: false })).toBe(idempotent);
    }
  });

  it("never retries another 4xx", () => {
    for (const status of [400, 401, 403, 404, 409, 410, 413, 423]) {
      expect(isRetryable({ status, idempotent: true, notHandled: false }), String(status)).toBe(false);
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(" 5 ", now)).toBe(5);
    expect(parseRetryAfter("Mon, 30 Nov 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Mon, 30 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-3", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("reads each form of HTTP date as UTC, whatever the machine's zone (asctime's names none)", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    // Node reads TZ again when it is assigned.
    vi.stubEnv("TZ", "America/St_Johns");
    try {
      expect(parseRetryAfter("Mon, 30 Nov 2026 12:00:30 GMT", now)).toBe(30);
      expect(parseRetryAfter("Monday, 30-Nov-26 12:00:30 GMT", now)).toBe(30);
      expect(parseRetryAfter("Mon Nov 30 12:00:30 2026", now)).toBe(30);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("backs off exponentially with equal jitter, capped", () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    const at = (attempt: number, random: number) => backoffDelay({ attempt, policy, random: () => random });
    expect([1, 2, 3, 4, 5].map((a) => at(a, 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => at(a, 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });

  it("a timeout or wait past the timers' range is the longest a timer takes, not an immediate one", () => {
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(2_147_483_647);
    expect(timerDelay(3_000_000_000)).toBe(2_147_483_647);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(1500)).toBe(1500);
  });
});
