import type { Session, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { InMemoryTOTPService } from "../../testing/in-memory-two-factor.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import {
  recordingTransactions,
  registerAccount,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { reauthenticate } from "../account/reauthenticate.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { verifyTwoFactorLogin } from "../sign-in/verify-two-factor-login.ts";
import { disableTwoFactor } from "./disable-two-factor.ts";
import { regenerateBackupCodes } from "./regenerate-backup-codes.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };

async function setUp() {
  const deps = createInMemoryDependencies();
  const { session } = await registerAccount(deps, { email: "ada@example.com" });
  const twoFactor = await enableTwoFactorFor(deps, session);
  const mfaToken = async () => {
    const outcome = unwrap(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    );
    if (!("mfaRequired" in outcome)) throw new Error("expected the second-factor step");
    return outcome.mfaToken;
  };
  return { deps, session, mfaToken, ...twoFactor };
}

/** The codes spent while no transaction runs (the in-memory store hands a transaction its own). */
function spyOnSpending(
  deps: Awaited<ReturnType<typeof setUp>>["deps"],
  transactions: { readonly inside: boolean },
): string[] {
  const calls: string[] = [];
  const { useTOTPStep, useBackupCode } = deps.twoFactor;
  deps.twoFactor.useTOTPStep = (input) => {
    if (!transactions.inside) calls.push("useTOTPStep");
    return useTOTPStep.call(deps.twoFactor, input);
  };
  deps.twoFactor.useBackupCode = (input) => {
    if (!transactions.inside) calls.push("useBackupCode");
    return useBackupCode.call(deps.twoFactor, input);
  };
  return calls;
}

describe("TOTP replay protection", () => {
  it("accepts a code once: the same code again answers INVALID_TWO_FACTOR_CODE", async () => {
    const { deps, mfaToken, codeNow } = await setUp();
    const code = codeNow();
    expect((await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code, client })).ok).toBe(true);
    expect(await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code, client })).toMatchObject({
      ok: false,
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("treats the code with spaces added as the same code", async () => {
    const { deps, mfaToken, codeNow } = await setUp();
    const code = codeNow();
    expect((await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code, client })).ok).toBe(true);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code: spaced, client }),
    ).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("accepts one of two requests sending the same code at once", async () => {
    const { deps, mfaToken, codeNow } = await setUp();
    const code = codeNow();
    const [first, second] = [await mfaToken(), await mfaToken()];
    const results = await Promise.all([
      verifyTwoFactorLogin(deps, { mfaToken: first, code, client }),
      verifyTwoFactorLogin(deps, { mfaToken: second, code: ` ${code} `, client }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ error: "INVALID_TWO_FACTOR_CODE" });
  });

  it("refuses a code older than one already used, although still inside the window", async () => {
    const { deps, mfaToken, secret } = await setUp();
    const now = deps.clock.now().getTime();
    const ahead = InMemoryTOTPService.codeAt(secret, new Date(now + 30_000));
    const current = InMemoryTOTPService.codeAt(secret, new Date(now));
    expect((await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code: ahead, client })).ok).toBe(
      true,
    );
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code: current, client }),
    ).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("does not accept the code that confirmed setup as a sign-in code", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps, { email: "ada@example.com" });
    const { secret } = await enableTwoFactorFor(deps, session);
    const confirming = InMemoryTOTPService.codeAt(secret, new Date(deps.clock.now().getTime() - 30_000));
    const outcome = unwrap(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    );
    if (!("mfaRequired" in outcome)) throw new Error("expected the second-factor step");
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: outcome.mfaToken, code: confirming, client }),
    ).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("a code used to sign in cannot then turn 2FA off", async () => {
    const { deps, session, mfaToken, codeNow } = await setUp();
    const code = codeNow();
    expect((await verifyTwoFactorLogin(deps, { mfaToken: await mfaToken(), code, client })).ok).toBe(true);
    expect(await disableTwoFactor(deps, { session, code })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });
});

describe("backup code replay protection", () => {
  it("accepts one of two requests sending the same backup code at once", async () => {
    const { deps, mfaToken, backupCodes } = await setUp();
    const code = backupCodes[0] ?? "";
    const [first, second] = [await mfaToken(), await mfaToken()];
    const results = await Promise.all([
      verifyTwoFactorLogin(deps, { mfaToken: first, backupCode: code, client }),
      verifyTwoFactorLogin(deps, { mfaToken: second, backupCode: code.toUpperCase(), client }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ error: "INVALID_TWO_FACTOR_CODE" });
  });
});

describe("MFA token replay protection", () => {
  it("an mfaToken completes one sign-in: used again with another right code it answers INVALID_MFA_TOKEN", async () => {
    const { deps, mfaToken, codeNow, backupCodes } = await setUp();
    const token = await mfaToken();
    expect((await verifyTwoFactorLogin(deps, { mfaToken: token, code: codeNow(), client })).ok).toBe(true);
    deps.clock.advance(30_000);
    expect(await verifyTwoFactorLogin(deps, { mfaToken: token, code: codeNow(), client })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: token, backupCode: backupCodes[0] ?? "", client }),
    ).toMatchObject({ ok: false, error: "INVALID_MFA_TOKEN" });
    expect(deps.securityEvents.all().filter((e) => e.type === "login_succeeded")).toHaveLength(1);
  });

  it("an mfaToken sent again after it signed in (the answer lost) says so: the same code is not called wrong nor counted, another backup code not spent", async () => {
    const { deps, mfaToken, codeNow, backupCodes, session } = await setUp();
    const token = await mfaToken();
    const code = codeNow();
    expect((await verifyTwoFactorLogin(deps, { mfaToken: token, code, client })).ok).toBe(true);
    expect(await verifyTwoFactorLogin(deps, { mfaToken: token, code, client })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
      message: "This sign-in was already completed; sign in again",
    });
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: token, backupCode: backupCodes[0] ?? "", client }),
    ).toMatchObject({ ok: false, error: "INVALID_MFA_TOKEN" });
    expect(await deps.twoFactor.listUnusedBackupCodes(session.userId)).toHaveLength(backupCodes.length);
    expect(deps.securityEvents.all().filter((e) => e.type === "login_failed")).toHaveLength(0);
  });

  it("an mfaToken's completion and its code's spending are written in the sign-in's transaction (ADR 0056)", async () => {
    const { deps, mfaToken, codeNow } = await setUp();
    const token = await mfaToken();
    const transactions = recordingTransactions(deps);
    const spentOutside = spyOnSpending(deps, transactions);
    unwrap(
      await verifyTwoFactorLogin({ ...deps, transactions }, { mfaToken: token, code: codeNow(), client }),
    );
    // A sign-in that fails on the way leaves the token open and the code unspent for a retry; the
    // user's row, which the session locks, stays the first of the account's rows locked after the
    // code's.
    expect(transactions.calls.slice(0, 3)).toEqual([
      "twoFactor.useTOTPStep",
      "sessions.createSession",
      "twoFactor.completeMFAChallenge",
    ]);
    expect(spentOutside).toEqual([]);
  });

  it("a backup code is spent in the sign-in's transaction too, and its event recorded there", async () => {
    const { deps, mfaToken, backupCodes } = await setUp();
    const token = await mfaToken();
    const transactions = recordingTransactions(deps);
    const spentOutside = spyOnSpending(deps, transactions);
    unwrap(
      await verifyTwoFactorLogin(
        { ...deps, transactions },
        { mfaToken: token, backupCode: backupCodes[0] ?? "", client },
      ),
    );
    expect(transactions.calls.slice(0, 3)).toEqual([
      "twoFactor.useBackupCode",
      "sessions.createSession",
      "twoFactor.completeMFAChallenge",
    ]);
    expect(spentOutside).toEqual([]);
    const recorded = deps.securityEvents.all().map((e) => e.type);
    expect(recorded.slice(-2)).toEqual(["backup_code_used", "login_succeeded"]);
    expect(deps.securityEvents.all().find((e) => e.type === "backup_code_used")?.details).toEqual({
      remaining: backupCodes.length - 1,
    });
  });

  it("a wrong code does not spend the mfaToken: the right one then signs in with it", async () => {
    const { deps, mfaToken, codeNow } = await setUp();
    const token = await mfaToken();
    expect(await verifyTwoFactorLogin(deps, { mfaToken: token, code: "000000", client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect((await verifyTwoFactorLogin(deps, { mfaToken: token, code: codeNow(), client })).ok).toBe(true);
  });

  it("one mfaToken sent at once with a TOTP code and two backup codes opens exactly one session", async () => {
    const { deps, mfaToken, codeNow, backupCodes } = await setUp();
    const token = await mfaToken();
    const results = await Promise.all([
      verifyTwoFactorLogin(deps, { mfaToken: token, code: codeNow(), client }),
      verifyTwoFactorLogin(deps, { mfaToken: token, backupCode: backupCodes[0] ?? "", client }),
      verifyTwoFactorLogin(deps, { mfaToken: token, backupCode: backupCodes[1] ?? "", client }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const failed of results.filter((r) => !r.ok)) {
      expect(failed).toMatchObject({ error: "INVALID_MFA_TOKEN" });
    }
    expect(deps.securityEvents.all().filter((e) => e.type === "login_succeeded")).toHaveLength(1);
  });
});

/**
 * The next spending of a code finds it gone: spent by another request just before (a double
 * submit), or removed with the factor from another place.
 */
function spentMeanwhile(
  deps: Awaited<ReturnType<typeof setUp>>["deps"],
  input: { userId: UserId; by: "another request" | "a removal" },
): void {
  const { twoFactor } = deps;
  const { useTOTPStep, useBackupCode } = twoFactor;
  let first = true;
  const meanwhile = async (spend: () => Promise<boolean>) => {
    if (!first) return;
    first = false;
    if (input.by === "a removal") await twoFactor.deleteTwoFactor(input.userId);
    else expect(await spend()).toBe(true);
  };
  twoFactor.useTOTPStep = async (step) => {
    await meanwhile(() => useTOTPStep.call(twoFactor, step));
    return useTOTPStep.call(twoFactor, step);
  };
  twoFactor.useBackupCode = async (code) => {
    await meanwhile(() => useBackupCode.call(twoFactor, code));
    return useBackupCode.call(twoFactor, code);
  };
}

describe("turning 2FA off, renewing backup codes and re-authenticating spend their code with their write (ADR 0056)", () => {
  it("each spends its code in the transaction of its own write, none outside it", async () => {
    const { deps, session, codeNow, backupCodes } = await setUp();
    const transactions = recordingTransactions(deps);
    const spentOutside = spyOnSpending(deps, transactions);
    const inTransactions = { ...deps, transactions };
    unwrap(await reauthenticate(inTransactions, { session, backupCode: backupCodes[0] ?? "", client }));
    unwrap(await regenerateBackupCodes(inTransactions, { session, code: codeNow(), client }));
    deps.clock.advance(30_000);
    unwrap(await disableTwoFactor(inTransactions, { session, code: codeNow(), client }));
    const spendingsAndWrites = transactions.calls.filter((call) =>
      /useTOTPStep|useBackupCode|recordReauthentication|replaceBackupCodes|deleteTwoFactor/.test(call),
    );
    expect(spendingsAndWrites).toEqual([
      "twoFactor.useBackupCode",
      "sessions.recordReauthentication",
      "twoFactor.useTOTPStep",
      "twoFactor.replaceBackupCodes",
      "twoFactor.useTOTPStep",
      "twoFactor.deleteTwoFactor",
    ]);
    expect(spentOutside).toEqual([]);
    expect(deps.securityEvents.all().find((e) => e.type === "backup_code_used")?.details).toEqual({
      remaining: backupCodes.length - 1,
    });
  });

  it("a code spent by another request between its check and the write (a double submit): INVALID_TWO_FACTOR_CODE, nothing written, no failure recorded", async () => {
    const { deps, session, codeNow, backupCodes } = await setUp();
    const { userId } = session;
    const codesBefore = (await deps.twoFactor.listUnusedBackupCodes(userId)).map((c) => c.id).sort();

    spentMeanwhile(deps, { userId, by: "another request" });
    expect(await disableTwoFactor(deps, { session, code: codeNow(), client })).toMatchObject({
      ok: false,
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect((await deps.twoFactor.findTwoFactorStatus(userId)).enabled).toBe(true);

    deps.clock.advance(30_000);
    spentMeanwhile(deps, { userId, by: "another request" });
    expect(await regenerateBackupCodes(deps, { session, code: codeNow(), client })).toMatchObject({
      ok: false,
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect((await deps.twoFactor.listUnusedBackupCodes(userId)).map((c) => c.id).sort()).toEqual(codesBefore);

    spentMeanwhile(deps, { userId, by: "another request" });
    expect(await reauthenticate(deps, { session, backupCode: backupCodes[2] ?? "", client })).toMatchObject({
      ok: false,
      error: "INVALID_TWO_FACTOR_CODE",
      message: "The backup code is wrong or already used: each backup code works once",
    });
    // The other request's spending, recorded by it: none here.
    expect(deps.securityEvents.all().filter((e) => e.type === "backup_code_used")).toHaveLength(0);
    expect(deps.securityEvents.all().filter((e) => e.type === "reauthentication_failed")).toHaveLength(0);
  });

  it("a code whose factor was removed between its check and the write: turning off answers done, the others TWO_FACTOR_NOT_ENABLED", async () => {
    for (const [name, attempt, expected] of [
      [
        "turning off",
        (deps, session, code) => disableTwoFactor(deps, { session, code, client }),
        { ok: true },
      ],
      [
        "renewing",
        (deps, session, code) => regenerateBackupCodes(deps, { session, code, client }),
        { ok: false, error: "TWO_FACTOR_NOT_ENABLED" },
      ],
      [
        "re-authenticating",
        (deps, session, code) => reauthenticate(deps, { session, code, client }),
        { ok: false, error: "TWO_FACTOR_NOT_ENABLED" },
      ],
    ] as const satisfies readonly (readonly [
      string,
      (deps: Dependencies, session: Session, code: string) => Promise<unknown>,
      object,
    ])[]) {
      const { deps, session, codeNow } = await setUp();
      spentMeanwhile(deps, { userId: session.userId, by: "a removal" });
      expect(await attempt(deps, session, codeNow()), name).toMatchObject(expected);
      // Removed by the other place, which records it: nothing from this request.
      expect(
        deps.securityEvents.all().filter((e) => e.type === "two_factor_disabled"),
        name,
      ).toHaveLength(0);
      expect(
        deps.securityEvents.all().filter((e) => e.type === "reauthentication_failed"),
        name,
      ).toHaveLength(0);
    }
  });
});
