import { passwordHasherContract, secretHasherContract } from "@superoauth/application/testing";
import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import { createArgon2PasswordHasher, defaultArgon2Options } from "./password-hasher.ts";
import { createSecureRandomSource, generateUUIDv7 } from "./random-source.ts";
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

  it("makes 256-bit base64url secrets that do not repeat", () => {
    const random = createSecureRandomSource();
    const secrets = new Set(Array.from({ length: 1000 }, () => random.generateSecret()));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
