import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { SecretCipher } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { checkSecretKeyOpensStoredSecrets, SecretKeyMismatchError } from "./check-secret-key.ts";

/** A cipher that opens only what `key` sealed: enough to tell one key from another. */
function cipherOf(key: string): SecretCipher {
  return {
    encryptSecret: ({ plaintext, associatedData }) => `${key}|${associatedData}|${plaintext}`,
    decryptSecret: ({ ciphertext, associatedData }) => {
      const [sealedBy, owner, plaintext] = ciphertext.split("|");
      if (sealedBy !== key || owner !== associatedData || plaintext === undefined) throw new Error("no");
      return plaintext;
    },
  };
}

async function storeWith(secrets: { userId: string; key: string }[]) {
  const deps = createInMemoryDependencies();
  for (const { userId, key } of secrets) {
    await deps.twoFactor.savePendingTOTPFactor({
      userId: userId as UserId,
      encryptedSecret: cipherOf(key).encryptSecret({ plaintext: "JBSWY3DPEHPK3PXP", associatedData: userId }),
      now: deps.clock.now(),
    });
  }
  return deps.twoFactor;
}

describe("checkSecretKeyOpensStoredSecrets", () => {
  it("passes with no stored secrets, and with secrets the key opens", async () => {
    await expect(
      checkSecretKeyOpensStoredSecrets({ twoFactor: await storeWith([]), secretCipher: cipherOf("A") }),
    ).resolves.toBeUndefined();
    const twoFactor = await storeWith([
      { userId: "00000000-0000-7000-8000-000000000001", key: "A" },
      { userId: "00000000-0000-7000-8000-000000000002", key: "A" },
    ]);
    await expect(
      checkSecretKeyOpensStoredSecrets({ twoFactor, secretCipher: cipherOf("A") }),
    ).resolves.toBeUndefined();
  });

  it("passes when one row was altered but another opens (totp:rekey names such rows)", async () => {
    const twoFactor = await storeWith([
      { userId: "00000000-0000-7000-8000-000000000001", key: "tampered" },
      { userId: "00000000-0000-7000-8000-000000000002", key: "A" },
    ]);
    await expect(
      checkSecretKeyOpensStoredSecrets({ twoFactor, secretCipher: cipherOf("A") }),
    ).resolves.toBeUndefined();
  });

  it("refuses a key that opens none of them, saying which setting to restore", async () => {
    const twoFactor = await storeWith([
      { userId: "00000000-0000-7000-8000-000000000001", key: "A" },
      { userId: "00000000-0000-7000-8000-000000000002", key: "A" },
    ]);
    const check = checkSecretKeyOpensStoredSecrets({ twoFactor, secretCipher: cipherOf("B") });
    await expect(check).rejects.toBeInstanceOf(SecretKeyMismatchError);
    await expect(check).rejects.toMatchObject({
      code: "SECRET_KEY_MISMATCH",
      message: expect.stringMatching(
        /^TOTP_ENCRYPTION_KEY does not open the two-factor secrets this database holds \(2 tried\)/,
      ),
    });
  });
});
