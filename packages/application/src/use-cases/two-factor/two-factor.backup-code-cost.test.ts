import type { BackupCode } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { CountingPasswordHasher, createInMemoryDependencies } from "../../testing/in-memory.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import { registerAccount } from "../../testing/use-case-helpers.ts";
import { checkBackupCode, spendSecondFactor } from "./steps/redeem-code.ts";

// Issue 7, item 10: a backup-code attempt costs at most one slow hash (ADR 0010). Before, a code was
// tried against each of up to ten argon2id hashes, so one request cost ten.

async function setUp() {
  const base = createInMemoryDependencies();
  const { user, session } = await registerAccount(base, { email: "ada@example.com" });
  const { backupCodes } = await enableTwoFactorFor(base, session);
  const hasher = new CountingPasswordHasher(base.passwordHasher);
  const deps = { ...base, passwordHasher: hasher };
  const use = async (code: string) => {
    const before = hasher.slowHashes;
    const unspent = await checkBackupCode(deps, { userId: user.id, code });
    const accepted = unspent !== null && (await spendSecondFactor(deps, unspent));
    return { accepted, slowHashes: hasher.slowHashes - before };
  };
  return { deps, userId: user.id, backupCodes, use };
}

/** `code` with its last character changed: same lookup id, wrong secret. */
function withWrongSecret(code: string): string {
  return `${code.slice(0, -1)}${code.endsWith("0") ? "1" : "0"}`;
}

describe("a backup-code attempt costs one slow hash", () => {
  it("a right code costs one, and works once", async () => {
    const { backupCodes, use } = await setUp();
    const code = backupCodes[3] ?? "";
    expect(await use(code)).toEqual({ accepted: true, slowHashes: 1 });
    expect(await use(code)).toEqual({ accepted: false, slowHashes: 1 });
  });

  it("a wrong code costs one, whether or not its lookup id finds a code", async () => {
    const { backupCodes, use } = await setUp();
    const known = backupCodes[0] ?? "";
    expect(await use(withWrongSecret(known))).toEqual({ accepted: false, slowHashes: 1 });
    const lookupIds = new Set(backupCodes.map((c) => c.slice(0, 2)));
    const unknownLookupId = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "0a"].find(
      (id) => !lookupIds.has(id),
    );
    expect(await use(`${unknownLookupId}${known.slice(2)}`)).toEqual({ accepted: false, slowHashes: 1 });
    // The old 10-character form, for an account that has no codes of that form: one dummy hash.
    expect(await use("ab3de-fg7hj")).toEqual({ accepted: false, slowHashes: 1 });
  });

  it("a malformed code is refused without a hash: its form is public", async () => {
    const { use } = await setUp();
    expect(await use("not-a-code")).toEqual({ accepted: false, slowHashes: 0 });
  });
});

describe("backup codes issued before lookup ids", () => {
  it("keep working once each, tried against each code of the old form", async () => {
    const { deps, userId, use } = await setUp();
    const oldCodes = ["ab3de-fg7hj", "k2m9x-p4q7r", "zz000-11111"];
    const stored: BackupCode[] = await Promise.all(
      oldCodes.map(async (code) => ({
        id: deps.random.generateId(),
        userId,
        lookupId: null,
        codeHash: await deps.passwordHasher.hashPassword(code),
        usedAt: null,
      })),
    );
    await deps.twoFactor.replaceBackupCodes({ userId, backupCodes: stored });
    expect(await use(" K2M9X P4Q7R ")).toEqual({ accepted: true, slowHashes: 3 });
    expect(await use("k2m9x-p4q7r")).toEqual({ accepted: false, slowHashes: 2 });
    expect(await use("ab3de-fg7hk")).toEqual({ accepted: false, slowHashes: 2 });
    expect((await use("ab3de-fg7hj")).accepted).toBe(true);
  });
});
