import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.ts";

const makeSecret = () => "fixed-test-secret-for-deterministic-config-0123456789";
const strongSecret = "k8Jz-Qw2Lp9Xv4Rt7Ny1Bm6Hs3Dc5Fg0Ae-Uo";
const hexKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

describe("lockout and two-factor configuration", () => {
  it("defaults to five failures in 15 minutes locking for 30 minutes, issuer SuperOAuth", () => {
    const parsed = parseConfig({}, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.security).toMatchObject({
      lockout: { threshold: 5, windowMs: 900_000, durationMs: 1_800_000 },
      reauthMaxAgeMs: 300_000,
      totpIssuer: "SuperOAuth",
      totpEncryptionKeyIsEphemeral: true,
    });
    expect(parsed.config.security.totpEncryptionKey.byteLength).toBe(32);
    expect(parsed.warnings.join("\n")).toContain("TOTP_ENCRYPTION_KEY is not set");
  });

  it("without TOTP_ISSUER, authenticator apps show the brand's name (a colon as a space)", () => {
    const parsed = parseConfig({ BRAND_NAME: "Acme: Sign-in" }, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.security.totpIssuer).toBe("Acme  Sign-in");
  });

  it("reads every lockout and 2FA variable", () => {
    const parsed = parseConfig(
      {
        LOCKOUT_THRESHOLD: "3",
        LOCKOUT_WINDOW: "5m",
        LOCKOUT_DURATION: "1h",
        REAUTH_MAX_AGE: "90s",
        TOTP_ENCRYPTION_KEY: hexKey,
        TOTP_ISSUER: "Example Corp",
      },
      makeSecret,
    );
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.security).toMatchObject({
      lockout: { threshold: 3, windowMs: 300_000, durationMs: 3_600_000 },
      reauthMaxAgeMs: 90_000,
      totpIssuer: "Example Corp",
      totpEncryptionKeyIsEphemeral: false,
    });
    expect(Buffer.from(parsed.config.security.totpEncryptionKey).toString("hex")).toBe(hexKey);
  });

  it("requires TOTP_ENCRYPTION_KEY in production", () => {
    const parsed = parseConfig({ NODE_ENV: "production", JWT_SECRET: strongSecret }, makeSecret);
    expect(parsed.ok ? "" : parsed.problems.join("\n")).toContain(
      "TOTP_ENCRYPTION_KEY is required in production",
    );
  });

  it("requires 2FA of staff in production by default, not elsewhere; STAFF_REQUIRE_2FA says otherwise either way", () => {
    const production = {
      NODE_ENV: "production",
      APP_URL: "http://localhost:3000",
      JWT_SECRET: strongSecret,
      TOTP_ENCRYPTION_KEY: hexKey,
    };
    const required = (env: Record<string, string>) => {
      const parsed = parseConfig(env, makeSecret);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      return parsed.config.security.staffRequireTwoFactor;
    };
    expect(required(production)).toBe(true);
    expect(required({ ...production, STAFF_REQUIRE_2FA: "false" })).toBe(false);
    expect(required({})).toBe(false);
    expect(required({ NODE_ENV: "test", JWT_SECRET: strongSecret })).toBe(false);
    expect(required({ STAFF_REQUIRE_2FA: "yes" })).toBe(true);
    const refused = parseConfig({ STAFF_REQUIRE_2FA: "always" }, makeSecret);
    expect(refused.ok ? [] : refused.problems).toEqual([
      'STAFF_REQUIRE_2FA is invalid: must be true or false (got "always")',
    ]);
  });

  it("refuses a key that is not 32 bytes without echoing it", () => {
    const parsed = parseConfig({ TOTP_ENCRYPTION_KEY: "hunter2-not-a-key" }, makeSecret);
    const problems = parsed.ok ? "" : parsed.problems.join("\n");
    expect(problems).toContain("TOTP_ENCRYPTION_KEY is invalid");
    expect(problems).not.toContain("hunter2");
  });

  it("allows each member of staff 300 reads and 30 mailed links an hour unless set, and refuses an allowance under one", () => {
    const read = (env: Record<string, string>) => {
      const parsed = parseConfig(env, makeSecret);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      return [parsed.config.security.staffReadsPerHour, parsed.config.security.staffMailsPerHour];
    };
    expect(read({})).toEqual([300, 30]);
    expect(read({ STAFF_MAILS_PER_HOUR: "5" })).toEqual([300, 5]);
    const refused = parseConfig({ STAFF_MAILS_PER_HOUR: "0" }, makeSecret);
    expect(refused.ok ? "" : refused.problems.join("\n")).toContain("STAFF_MAILS_PER_HOUR is invalid");
  });

  it("refuses a threshold of zero and durations under a second", () => {
    const parsed = parseConfig(
      { LOCKOUT_THRESHOLD: "0", LOCKOUT_DURATION: "10ms", REAUTH_MAX_AGE: "0" },
      makeSecret,
    );
    const problems = parsed.ok ? "" : parsed.problems.join("\n");
    expect(problems).toContain("LOCKOUT_THRESHOLD");
    expect(problems).toContain("LOCKOUT_DURATION");
    expect(problems).toContain("REAUTH_MAX_AGE");
  });

  it("sizes argon2 to libuv's pool (UV_THREADPOOL_SIZE, 4) with 64 waiting, and reads both", () => {
    const defaults = parseConfig({}, makeSecret, { cores: 16 });
    if (!defaults.ok) throw new Error(defaults.problems.join("; "));
    expect(defaults.config.security.hashing).toEqual({ maxConcurrent: 4, maxQueue: 64 });
    const set = parseConfig({ UV_THREADPOOL_SIZE: "8", ARGON2_MAX_QUEUE: "0" }, makeSecret, { cores: 16 });
    if (!set.ok) throw new Error(set.problems.join("; "));
    expect(set.config.security.hashing).toEqual({ maxConcurrent: 8, maxQueue: 0 });
  });

  it("runs at most one argon2 hash per core, whatever the pool's size", () => {
    const twoCores = parseConfig({}, makeSecret, { cores: 2 });
    if (!twoCores.ok) throw new Error(twoCores.problems.join("; "));
    expect(twoCores.config.security.hashing).toEqual({ maxConcurrent: 2, maxQueue: 64 });
    const bigPool = parseConfig({ UV_THREADPOOL_SIZE: "64" }, makeSecret, { cores: 6 });
    if (!bigPool.ok) throw new Error(bigPool.problems.join("; "));
    expect(bigPool.config.security.hashing.maxConcurrent).toBe(6);
  });

  it("refuses a thread pool libuv would not start (0, or over 1024)", () => {
    for (const size of ["0", "1025"]) {
      const parsed = parseConfig({ UV_THREADPOOL_SIZE: size }, makeSecret);
      expect(parsed.ok ? "" : parsed.problems.join("\n")).toContain("UV_THREADPOOL_SIZE is invalid");
    }
  });
});
