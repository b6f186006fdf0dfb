import { passwordHasherContract, secretHasherContract } from "@superoauth/application/testing";
import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import { createArgon2PasswordHasher, defaultArgon2Options } from "./password-hasher.ts";
import { createMonotonicUUIDv7, createSecureRandomSource, generateUUIDv7 } from "./random-source.ts";
import { createSHA256SecretHasher } from "./secret-hasher.ts";

passwordHasherContract(
  "argon2id",
  () => createArgon2PasswordHasher(),
  (password) => argon2.hash(password, { type: argon2.argon2id, ...defaultArgon2Options }),
);
secretHasherContract("SHA-256", () => createSHA256SecretHasher());

describe("argon2id password hasher", () => {
  it("hashes with argon2id at no less than m=19456 KiB, t=2, p=1", async () => {
    const hash = await createArgon2PasswordHasher().hashPassword("Password-1!");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it("refuses parameters below the OWASP minimum", () => {
    expect(() => createArgon2PasswordHasher({ memoryCost: 4096, timeCost: 2, parallelism: 1 })).toThrow(
      /minimum/,
    );
    expect(() => createArgon2PasswordHasher({ memoryCost: 19_456, timeCost: 1, parallelism: 1 })).toThrow(
      /minimum/,
    );
  });
});

describe("SHA-256 secret hasher", () => {
  it("computes PKCE S256 challenges as RFC 7636 appendix B does, so a browser's crypto.subtle agrees", () => {
    expect(createSHA256SecretHasher().codeChallengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });
});

describe("secure random source", () => {
  it("makes UUIDv7 ids that sort by time", () => {
    const earlier = generateUUIDv7(1_700_000_000_000);
    const later = generateUUIDv7(1_700_000_000_001);
    expect(earlier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(earlier < later).toBe(true);
  });

  it("makes ids that increase strictly within the process, also within one millisecond and after the clock steps back", () => {
    const random = createSecureRandomSource();
    const ids = Array.from({ length: 10_000 }, () => random.generateId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || (ids[i - 1] as string) < id)).toBe(true);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const next = createMonotonicUUIDv7();
    const first = next(1_700_000_000_500);
    const sameMs = next(1_700_000_000_500);
    const clockBack = next(1_700_000_000_100);
    expect([first < sameMs, sameMs < clockBack]).toEqual([true, true]);
    // The step back keeps the last timestamp: the first 48 bits.
    expect(clockBack.slice(0, 13)).toBe(first.slice(0, 13));
  });

  it("past the last value of a millisecond's random bits, goes on in the next millisecond", () => {
    const next = createMonotonicUUIDv7((size) => Buffer.alloc(size, 0xff));
    const last = next(1_700_000_000_000);
    expect(last).toBe("018bcfe5-6800-7fff-bfff-ffffffffffff");
    const overflowed = next(1_700_000_000_000);
    expect(overflowed).toBe("018bcfe5-6801-7fff-bfff-ffffffffffff");
    expect(last < overflowed).toBe(true);
  });

  it("adds one to the random bits, carrying from one byte to the next", () => {
    const bytes = Buffer.alloc(16, 0);
    bytes[9] = 0xff;
    for (let i = 10; i < 16; i++) bytes[i] = 0xff;
    const next = createMonotonicUUIDv7(() => Buffer.from(bytes));
    expect(next(1_700_000_000_000)).toBe("018bcfe5-6800-7000-80ff-ffffffffffff");
    expect(next(1_700_000_000_000)).toBe("018bcfe5-6800-7000-8100-000000000000");
  });

  it("makes 256-bit base64url secrets that do not repeat", () => {
    const random = createSecureRandomSource();
    const secrets = new Set(Array.from({ length: 1000 }, () => random.generateSecret()));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
