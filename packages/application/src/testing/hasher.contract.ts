import { describe, expect, it } from "vitest";
import type { PasswordHasher, SecretHasher } from "../ports/index.ts";

/**
 * The behaviour every PasswordHasher must have. `hashAsTyped` hashes a password exactly as
 * given, as the implementation did before passwords were normalised (NFKC).
 */
export function passwordHasherContract(
  name: string,
  makeHasher: () => PasswordHasher,
  hashAsTyped: (password: string) => Promise<string>,
): void {
  // "Crème-brûlée-9!" with precomposed letters (NFC) and with combining accents (NFD).
  const nfc = "Cr\u00e8me-br\u00fbl\u00e9e-9!";
  const nfd = nfc.normalize("NFD");

  describe(`PasswordHasher contract: ${name}`, () => {
    it("verifies a password set in NFC when typed in NFD, and the other way round", async () => {
      const hasher = makeHasher();
      expect(nfd).not.toBe(nfc);
      expect(await hasher.verifyPassword({ hash: await hasher.hashPassword(nfc), password: nfd })).toBe(true);
      expect(await hasher.verifyPassword({ hash: await hasher.hashPassword(nfd), password: nfc })).toBe(true);
    });

    it("still verifies a hash made before normalisation, of the password as it was typed", async () => {
      const hasher = makeHasher();
      const legacy = await hashAsTyped(nfd);
      expect(await hasher.verifyPassword({ hash: legacy, password: nfd })).toBe(true);
      expect(await hasher.verifyPassword({ hash: legacy, password: `${nfd}x` })).toBe(false);
    });

    it("verifies the password it hashed and no other", async () => {
      const hasher = makeHasher();
      const hash = await hasher.hashPassword("Correct-horse-1!");
      expect(hash).not.toContain("Correct-horse-1!");
      expect(await hasher.verifyPassword({ hash, password: "Correct-horse-1!" })).toBe(true);
      expect(await hasher.verifyPassword({ hash, password: "correct-horse-1!" })).toBe(false);
    });

    it("answers false, never throws, for a hash it cannot read", async () => {
      const hasher = makeHasher();
      expect(await hasher.verifyPassword({ hash: "not a hash", password: "anything" })).toBe(false);
    });

    it("completes a dummy verification", async () => {
      await expect(makeHasher().verifyDummyPassword("whatever")).resolves.toBeUndefined();
    });
  });
}

/** The behaviour every SecretHasher must have. */
export function secretHasherContract(name: string, makeHasher: () => SecretHasher): void {
  describe(`SecretHasher contract: ${name}`, () => {
    it("is deterministic, hides the secret and matches only the same secret", () => {
      const hasher = makeHasher();
      const hash = hasher.hashSecret("s3cret-value");
      expect(hash).toBe(hasher.hashSecret("s3cret-value"));
      expect(hash).not.toContain("s3cret-value");
      expect(hasher.secretMatchesHash({ secret: "s3cret-value", hash })).toBe(true);
      expect(hasher.secretMatchesHash({ secret: "s3cret-valuf", hash })).toBe(false);
      expect(hasher.secretMatchesHash({ secret: "s3cret-value", hash: "short" })).toBe(false);
    });

    it("turns a PKCE verifier into a challenge in RFC 7636's grammar, the same each time, one per verifier", () => {
      const hasher = makeHasher();
      const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
      const challenge = hasher.codeChallengeOf(verifier);
      expect(challenge).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(challenge).not.toBe(verifier);
      expect(hasher.codeChallengeOf(verifier)).toBe(challenge);
      expect(hasher.codeChallengeOf(`${verifier.slice(0, -1)}l`)).not.toBe(challenge);
    });
  });
}
