import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { SecretCipher } from "../../ports/index.ts";
import { makeUser, t0 } from "../../testing/fixtures.ts";
import { InMemoryTwoFactorRepository } from "../../testing/in-memory-two-factor.ts";
import { reencryptTwoFactorSecrets } from "./reencrypt-two-factor-secrets.ts";

/** A cipher that names its key in the ciphertext, and opens its current key's and the previous ones'. */
function keyedCipher(current: string, previous: readonly string[] = []): SecretCipher {
  return {
    encryptSecret: ({ plaintext, associatedData }) => `${current}|${associatedData}|${plaintext}`,
    decryptSecret: ({ ciphertext, associatedData }) => {
      const [key, owner, plaintext] = ciphertext.split("|");
      if (![current, ...previous].includes(key ?? "") || owner !== associatedData || plaintext === undefined)
        throw new Error("does not decrypt");
      return plaintext;
    },
  };
}

async function factorsUnder(twoFactor: InMemoryTwoFactorRepository, secrets: Record<string, string>) {
  const ids: UserId[] = [];
  for (const [name, ciphertext] of Object.entries(secrets)) {
    const user = makeUser();
    ids.push(user.id);
    await twoFactor.savePendingTOTPFactor({
      userId: user.id,
      encryptedSecret: ciphertext.replace("<id>", user.id).replace("<name>", name),
      now: t0,
    });
  }
  return ids;
}

describe("re-encrypting the TOTP secrets under a new key", () => {
  it("moves every secret a key opens to the new key, a page at a time, and names those none opens", async () => {
    const twoFactor = new InMemoryTwoFactorRepository();
    const ids = await factorsUnder(twoFactor, {
      a: "old|<id>|secret-<name>",
      b: "new|<id>|secret-<name>",
      c: "old|<id>|secret-<name>",
      d: "lost|<id>|secret-<name>",
      e: "old|<id>|secret-<name>",
    });

    const report = await reencryptTwoFactorSecrets(
      { twoFactor, secretCipher: keyedCipher("new", ["old"]) },
      { pageSize: 2 },
    );

    expect(report).toEqual({ reencrypted: 4, changedMeanwhile: 0, undecryptable: [ids[3]] });
    const newOnly = keyedCipher("new");
    for (const [index, userId] of ids.entries()) {
      const factor = await twoFactor.findTOTPFactor(userId);
      if (index === 3) {
        expect(factor?.encryptedSecret).toBe(`lost|${userId}|secret-d`);
        continue;
      }
      expect(
        newOnly.decryptSecret({ ciphertext: factor?.encryptedSecret ?? "", associatedData: userId }),
      ).toBe(`secret-${"abcde"[index]}`);
    }
    // Again: nothing left under the old key, nothing lost.
    expect(
      await reencryptTwoFactorSecrets({ twoFactor, secretCipher: keyedCipher("new") }, { pageSize: 2 }),
    ).toEqual({ reencrypted: 4, changedMeanwhile: 0, undecryptable: [ids[3]] });
  });

  it("keeps a secret set up again while the run read it", async () => {
    const inner = new InMemoryTwoFactorRepository();
    const [userId] = await factorsUnder(inner, { a: "old|<id>|secret-a" });
    if (userId === undefined) throw new Error("no user");
    // Between the run's read and its write, the user starts a new setup (under the new key).
    const twoFactor = Object.assign(Object.create(inner) as InMemoryTwoFactorRepository, {
      listTOTPSecrets: async (input: { afterUserId: UserId | null; limit: number }) => {
        const page = await inner.listTOTPSecrets(input);
        await inner.savePendingTOTPFactor({ userId, encryptedSecret: `new|${userId}|secret-fresh`, now: t0 });
        return page;
      },
      replaceTOTPSecret: (input: { userId: UserId; from: string; to: string }) =>
        inner.replaceTOTPSecret(input),
    });

    const report = await reencryptTwoFactorSecrets({ twoFactor, secretCipher: keyedCipher("new", ["old"]) });

    expect(report).toEqual({ reencrypted: 0, changedMeanwhile: 1, undecryptable: [] });
    expect((await inner.findTOTPFactor(userId))?.encryptedSecret).toBe(`new|${userId}|secret-fresh`);
  });
});
