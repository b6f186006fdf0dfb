import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAESGCMSecretCipher, deriveEncryptionKey, parseEncryptionKey } from "./secret-cipher.ts";

const key = randomBytes(32);
const cipher = createAESGCMSecretCipher(key);
const owner = "0190a000-0000-7000-8000-000000000001";

describe("AES-256-GCM secret cipher", () => {
  it("decrypts what it encrypted, and never stores the plaintext", () => {
    const ciphertext = cipher.encryptSecret({ plaintext: "JBSWY3DPEHPK3PXPJBSWY3DP", associatedData: owner });
    expect(ciphertext).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(ciphertext).not.toContain("JBSWY3DP");
    expect(cipher.decryptSecret({ ciphertext, associatedData: owner })).toBe("JBSWY3DPEHPK3PXPJBSWY3DP");
  });

  it("uses a fresh nonce each time: one secret encrypts differently twice", () => {
    const a = cipher.encryptSecret({ plaintext: "same", associatedData: owner });
    const b = cipher.encryptSecret({ plaintext: "same", associatedData: owner });
    expect(a).not.toBe(b);
  });

  it("detects tampering with the data, the tag or the nonce", () => {
    const ciphertext = cipher.encryptSecret({ plaintext: "JBSWY3DPEHPK3PXP", associatedData: owner });
    const parts = ciphertext.split(".");
    for (const index of [1, 2, 3]) {
      const tampered = [...parts];
      const part = tampered[index] ?? "";
      tampered[index] = (part[0] === "A" ? "B" : "A") + part.slice(1);
      expect(() => cipher.decryptSecret({ ciphertext: tampered.join("."), associatedData: owner })).toThrow();
    }
  });

  it("refuses a ciphertext moved to another owner, or read with another key", () => {
    const ciphertext = cipher.encryptSecret({ plaintext: "JBSWY3DPEHPK3PXP", associatedData: owner });
    expect(() => cipher.decryptSecret({ ciphertext, associatedData: `${owner}x` })).toThrow();
    expect(() =>
      createAESGCMSecretCipher(randomBytes(32), [], "TOTP_ENCRYPTION_KEY").decryptSecret({
        ciphertext,
        associatedData: owner,
      }),
    ).toThrow(
      "No key opens this secret (TOTP_ENCRYPTION_KEY, and its previous keys if set): tampered data, or TOTP_ENCRYPTION_KEY differs from the one it was stored with (is it the same on every instance?)",
    );
    expect(() => cipher.decryptSecret({ ciphertext: "plain-secret", associatedData: owner })).toThrow();
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(() => createAESGCMSecretCipher(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => createAESGCMSecretCipher(randomBytes(32), [randomBytes(16)])).toThrow(/32 bytes/);
  });

  it("during a rotation, decrypts under the previous keys too and encrypts under the new one only", () => {
    const [oldest, previous, next] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const underOldest = createAESGCMSecretCipher(oldest).encryptSecret({
      plaintext: "A",
      associatedData: owner,
    });
    const underPrevious = createAESGCMSecretCipher(previous).encryptSecret({
      plaintext: "B",
      associatedData: owner,
    });
    const rotating = createAESGCMSecretCipher(next, [previous, oldest]);

    expect(rotating.decryptSecret({ ciphertext: underOldest, associatedData: owner })).toBe("A");
    expect(rotating.decryptSecret({ ciphertext: underPrevious, associatedData: owner })).toBe("B");
    const again = rotating.encryptSecret({ plaintext: "C", associatedData: owner });
    expect(createAESGCMSecretCipher(next).decryptSecret({ ciphertext: again, associatedData: owner })).toBe(
      "C",
    );
    expect(() =>
      createAESGCMSecretCipher(previous).decryptSecret({ ciphertext: again, associatedData: owner }),
    ).toThrow();
    // Another owner, or a key none of them is: still refused.
    expect(() => rotating.decryptSecret({ ciphertext: underOldest, associatedData: `${owner}x` })).toThrow();
    expect(() =>
      createAESGCMSecretCipher(next, [previous]).decryptSecret({
        ciphertext: underOldest,
        associatedData: owner,
      }),
    ).toThrow();
  });
});

describe("parseEncryptionKey", () => {
  it("reads 32 bytes written as hex, base64 or base64url", () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString("hex"), bytes.toString("base64"), bytes.toString("base64url")]) {
      expect(Buffer.from(parseEncryptionKey(text) ?? [])).toEqual(bytes);
    }
  });

  it.each(["", "short", randomBytes(16).toString("hex"), randomBytes(48).toString("base64")])(
    "refuses %j",
    (text) => {
      expect(parseEncryptionKey(text)).toBeNull();
    },
  );
});

describe("deriveEncryptionKey", () => {
  const secret = "integration-test-secret-0123456789-abcdefghij";

  it("derives the RFC 5869 HKDF-SHA-256 output: 32 bytes, the same each time", () => {
    const derived = deriveEncryptionKey({ secret, info: "superoauth signing keys v1" });
    expect(derived.byteLength).toBe(32);
    expect(Buffer.from(derived)).toEqual(
      Buffer.from(deriveEncryptionKey({ secret, info: "superoauth signing keys v1" })),
    );
  });

  it("gives another key for another purpose or another secret, and a cipher of one cannot open the other's", () => {
    const signing = deriveEncryptionKey({ secret, info: "superoauth signing keys v1" });
    const other = deriveEncryptionKey({ secret, info: "something else" });
    const otherSecret = deriveEncryptionKey({ secret: `${secret}!`, info: "superoauth signing keys v1" });
    expect(Buffer.from(signing).equals(Buffer.from(other))).toBe(false);
    expect(Buffer.from(signing).equals(Buffer.from(otherSecret))).toBe(false);
    expect(Buffer.from(signing).equals(Buffer.from(secret).subarray(0, 32))).toBe(false);
    const sealed = createAESGCMSecretCipher(signing).encryptSecret({
      plaintext: "private jwk",
      associatedData: "kid",
    });
    expect(() =>
      createAESGCMSecretCipher(other).decryptSecret({ ciphertext: sealed, associatedData: "kid" }),
    ).toThrow();
  });
});
