import { describe, expect, it } from "vitest";
import { type OIDCModelStore, type OIDCPayload, storedOIDCIdPrefix } from "../ports/index.ts";
import { at, testId } from "./fixtures.ts";

/**
 * The behaviour every OIDCModelStore must have: what oidc-provider's adapter contract asks
 * (docs/README.md "adapter"), plus single-use consumption under concurrency, hidden expiry and
 * grant-wide revocation. Ids on disk are the SQL store's own test (oidc-model-store.*.test.ts).
 */
export function oidcModelStoreContract(name: string, makeStore: () => Promise<OIDCModelStore>): void {
  describe(`OIDCModelStore contract: ${name}`, () => {
    it("gives an upserted record back with the id it was found by as its jti", async () => {
      const store = await makeStore();
      const id = testId();
      const payload = {
        jti: id,
        kind: "RefreshToken",
        grantId: testId(),
        scope: "openid",
        exp: 1,
        nested: { a: [1] },
      };
      await store.upsert({ model: "RefreshToken", id, payload, expiresAt: at(60_000) });
      expect(await store.find({ model: "RefreshToken", id, now: at(0) })).toEqual({
        payload,
        consumedAt: null,
        expiresAt: at(60_000),
      });
      expect(await store.find({ model: "AccessToken", id, now: at(0) })).toBeNull();
      expect(await store.find({ model: "RefreshToken", id: testId(), now: at(0) })).toBeNull();
    });

    it("replaces the record on a second upsert of one id", async () => {
      const store = await makeStore();
      const id = testId();
      await store.upsert({ model: "Grant", id, payload: { jti: id, scope: "a" }, expiresAt: at(1000) });
      await store.upsert({ model: "Grant", id, payload: { jti: id, scope: "b" }, expiresAt: null });
      expect(await store.find({ model: "Grant", id, now: at(10_000) })).toEqual({
        payload: { jti: id, scope: "b" },
        consumedAt: null,
        expiresAt: null,
      });
    });

    it("keeps a record consumed when it is saved again", async () => {
      const store = await makeStore();
      const id = testId();
      await store.upsert({ model: "DeviceCode", id, payload: { jti: id }, expiresAt: at(60_000) });
      expect(await store.consume({ model: "DeviceCode", id, now: at(1) })).toBe("consumed");
      await store.upsert({
        model: "DeviceCode",
        id,
        payload: { jti: id, accountId: "u" },
        expiresAt: at(60_000),
      });
      expect(await store.find({ model: "DeviceCode", id, now: at(2) })).toEqual({
        payload: { jti: id, accountId: "u" },
        consumedAt: at(1),
        expiresAt: at(60_000),
      });
      expect(await store.consume({ model: "DeviceCode", id, now: at(3) })).toBe("not-consumable");
    });

    it("answers nothing once the record expired", async () => {
      const store = await makeStore();
      const id = testId();
      await store.upsert({ model: "AuthorizationCode", id, payload: { jti: id }, expiresAt: at(60_000) });
      expect(await store.find({ model: "AuthorizationCode", id, now: at(59_999) })).not.toBeNull();
      expect(await store.find({ model: "AuthorizationCode", id, now: at(60_000) })).toBeNull();
      expect(await store.consume({ model: "AuthorizationCode", id, now: at(60_000) })).toBe("not-consumable");
    });

    it("consumes once, and shows when", async () => {
      const store = await makeStore();
      const id = testId();
      await store.upsert({ model: "AuthorizationCode", id, payload: { jti: id }, expiresAt: at(60_000) });
      expect(await store.consume({ model: "AuthorizationCode", id, now: at(1000) })).toBe("consumed");
      expect(await store.consume({ model: "AuthorizationCode", id, now: at(2000) })).toBe("not-consumable");
      expect(await store.find({ model: "AuthorizationCode", id, now: at(3000) })).toMatchObject({
        consumedAt: at(1000),
      });
      expect(await store.consume({ model: "AuthorizationCode", id: testId(), now: at(0) })).toBe(
        "not-consumable",
      );
    });

    it("of 20 concurrent consumptions of one record exactly one succeeds", async () => {
      const store = await makeStore();
      const id = testId();
      await store.upsert({ model: "RefreshToken", id, payload: { jti: id }, expiresAt: at(60_000) });
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => store.consume({ model: "RefreshToken", id, now: at(1) })),
      );
      expect(outcomes.filter((o) => o === "consumed")).toHaveLength(1);
      expect(outcomes.filter((o) => o === "not-consumable")).toHaveLength(19);
    });

    it("claims an id once while its record lives, and again once it has expired", async () => {
      const store = await makeStore();
      const id = testId();
      const claim = (payload: OIDCPayload, now: number, until: number) =>
        store.claim({ model: "ReplayDetection", id, payload, expiresAt: at(until), now: at(now) });
      expect(await claim({ iss: "first" }, 0, 1000)).toBe("claimed");
      expect(await claim({ iss: "second" }, 999, 5000)).toBe("taken");
      expect(await store.find({ model: "ReplayDetection", id, now: at(999) })).toEqual({
        payload: { iss: "first", jti: id },
        consumedAt: null,
        expiresAt: at(1000),
      });
      // Expired: the id is free again, and the new record replaces the old one.
      expect(await claim({ iss: "third" }, 1000, 5000)).toBe("claimed");
      expect((await store.find({ model: "ReplayDetection", id, now: at(1000) }))?.payload).toEqual({
        iss: "third",
        jti: id,
      });
      // The library saves over its claim (its own payload and expiry): the claim still holds.
      await store.upsert({ model: "ReplayDetection", id, payload: { iss: "saved" }, expiresAt: at(9000) });
      expect(await claim({ iss: "fourth" }, 8999, 20_000)).toBe("taken");
    });

    it("of 20 concurrent claims of one id exactly one succeeds, an expired record held or none", async () => {
      const store = await makeStore();
      // Many rounds: a lock conflict between the claimers (InnoDB once deadlocked a quarter of the
      // rounds that took over an expired record) shows in one run, not once in twenty.
      const rounds = Array.from({ length: 100 }, () => [false, true]).flat();
      for (const expiredBefore of rounds) {
        const id = testId();
        if (expiredBefore)
          await store.upsert({ model: "ReplayDetection", id, payload: { iss: "old" }, expiresAt: at(10) });
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.claim({
              model: "ReplayDetection",
              id,
              payload: { iss: `c${i}` },
              expiresAt: at(600_000),
              now: at(100),
            }),
          ),
        );
        expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
        expect(outcomes.filter((o) => o === "taken")).toHaveLength(19);
        // The winner's record stands, whole: its own payload and expiry, not the expired one's.
        const held = await store.find({ model: "ReplayDetection", id, now: at(100) });
        expect(held?.expiresAt).toEqual(at(600_000));
        expect(held?.payload.iss).toMatch(/^c\d+$/);
      }
    });

    it("refuses to claim a token-bearing model's id", async () => {
      const store = await makeStore();
      await expect(
        store.claim({ model: "AccessToken", id: testId(), payload: {}, expiresAt: at(1000), now: at(0) }),
      ).rejects.toThrow(/bears tokens/);
    });

    it("destroys one record", async () => {
      const store = await makeStore();
      const [kept, gone] = [testId(), testId()];
      for (const id of [kept, gone]) {
        await store.upsert({ model: "AccessToken", id, payload: { jti: id }, expiresAt: at(60_000) });
      }
      await store.destroy({ model: "AccessToken", id: gone });
      expect(await store.find({ model: "AccessToken", id: gone, now: at(0) })).toBeNull();
      expect(await store.find({ model: "AccessToken", id: kept, now: at(0) })).not.toBeNull();
    });

    it("revokes every record of a grant (tokens, codes), but not a sign-in under way that loaded it, and nothing else", async () => {
      const store = await makeStore();
      const grantId = testId();
      const other = testId();
      const ids = { access: testId(), refresh: testId(), code: testId(), others: testId() };
      await store.upsert({
        model: "AccessToken",
        id: ids.access,
        payload: { grantId },
        expiresAt: at(60_000),
      });
      await store.upsert({
        model: "RefreshToken",
        id: ids.refresh,
        payload: { grantId },
        expiresAt: at(60_000),
      });
      await store.upsert({
        model: "AuthorizationCode",
        id: ids.code,
        payload: { grantId },
        expiresAt: at(60_000),
      });
      await store.upsert({
        model: "AccessToken",
        id: ids.others,
        payload: { grantId: other },
        expiresAt: null,
      });
      // A sign-in under way that loaded the grant (a consent asked again) goes on: the library
      // revokes the grant when another account signs in over the session, in that same sign-in.
      const interaction = testId();
      await store.upsert({
        model: "Interaction",
        id: interaction,
        payload: { grantId },
        expiresAt: at(60_000),
      });
      await store.revokeByGrantId(grantId);
      expect(await store.find({ model: "Interaction", id: interaction, now: at(0) })).not.toBeNull();
      expect(await store.find({ model: "AccessToken", id: ids.access, now: at(0) })).toBeNull();
      expect(await store.find({ model: "RefreshToken", id: ids.refresh, now: at(0) })).toBeNull();
      expect(await store.find({ model: "AuthorizationCode", id: ids.code, now: at(0) })).toBeNull();
      expect(await store.find({ model: "AccessToken", id: ids.others, now: at(0) })).not.toBeNull();
    });

    it("finds a session by its uid, until it expires", async () => {
      const store = await makeStore();
      const [id, uid] = [testId(), testId()];
      await store.upsert({
        model: "Session",
        id,
        payload: { jti: id, uid, accountId: "u" },
        expiresAt: at(1000),
      });
      expect(await store.findByUid({ model: "Session", uid, now: at(0) })).toEqual({
        payload: { jti: id, uid, accountId: "u" },
        consumedAt: null,
        expiresAt: at(1000),
      });
      expect(await store.findByUid({ model: "Session", uid: testId(), now: at(0) })).toBeNull();
      expect(await store.findByUid({ model: "Session", uid, now: at(1000) })).toBeNull();
    });

    it("finds every live record of a model by uid, each by its own id", async () => {
      const store = await makeStore();
      const [uid, first, second, expired, other] = [testId(), testId(), testId(), testId(), testId()];
      const save = (model: string, id: string, of: string, expiresAt: Date) =>
        store.upsert({ model, id, payload: { uid: of, n: id }, expiresAt });
      await save("SignedIn", first, uid, at(1000));
      await save("SignedIn", second, uid, at(1000));
      await save("SignedIn", expired, uid, at(10));
      await save("SignedIn", other, testId(), at(1000));
      await save("Session", testId(), uid, at(1000));
      const found = await store.findAllByUid({ model: "SignedIn", uid, now: at(100) });
      expect(
        found.map((record) => record.payload).sort((a, b) => String(a.n).localeCompare(String(b.n))),
      ).toEqual([first, second].sort().map((id) => ({ uid, n: id, jti: id })));
      expect(await store.findAllByUid({ model: "SignedIn", uid: testId(), now: at(0) })).toEqual([]);
    });

    it("finds a device code by its user code as a stored-row reference that updates but never finds", async () => {
      const store = await makeStore();
      const [id, userCode] = [testId(), `UC-${testId()}`];
      await store.upsert({ model: "DeviceCode", id, payload: { jti: id, userCode }, expiresAt: at(60_000) });
      const found = await store.findByUserCode({ model: "DeviceCode", userCode, now: at(0) });
      const reference = found?.payload.jti;
      expect(typeof reference === "string" && reference.startsWith(storedOIDCIdPrefix)).toBe(true);
      expect(reference).not.toContain(id);
      if (typeof reference !== "string") throw new Error("unreachable");
      // What the library does after the user approves: save the instance it found, then the
      // polling client finds it again by the raw device code.
      await store.upsert({
        model: "DeviceCode",
        id: reference,
        payload: { jti: reference, userCode, accountId: "u" },
        expiresAt: at(60_000),
      });
      expect(await store.find({ model: "DeviceCode", id, now: at(1) })).toMatchObject({
        payload: { jti: id, userCode, accountId: "u" },
      });
      expect(await store.find({ model: "DeviceCode", id: reference, now: at(1) })).toBeNull();
      expect(await store.consume({ model: "DeviceCode", id: reference, now: at(1) })).toBe("not-consumable");
      expect(await store.findByUserCode({ model: "DeviceCode", userCode: "nope", now: at(0) })).toBeNull();
      await store.destroy({ model: "DeviceCode", id: reference });
      expect(await store.find({ model: "DeviceCode", id, now: at(1) })).toBeNull();
    });

    it("revokes every record of a client, of an account at a client, or of an account, and nothing else", async () => {
      const store = await makeStore();
      const [alice, bob, app, other] = [testId(), testId(), testId(), testId()];
      const seeded: { model: string; id: string; payload: Record<string, unknown> }[] = [
        { model: "AccessToken", id: testId(), payload: { accountId: alice, clientId: app } },
        { model: "RefreshToken", id: testId(), payload: { accountId: alice, clientId: app } },
        { model: "Grant", id: testId(), payload: { accountId: alice, clientId: app } },
        { model: "AccessToken", id: testId(), payload: { accountId: bob, clientId: app } },
        { model: "ClientCredentials", id: testId(), payload: { clientId: app } },
        { model: "AccessToken", id: testId(), payload: { accountId: alice, clientId: other } },
        { model: "Session", id: testId(), payload: { accountId: alice, uid: testId() } },
        { model: "AccessToken", id: testId(), payload: { accountId: bob, clientId: other } },
        // A sign-in in progress names its account only inside: its session, result or last submission.
        { model: "Interaction", id: testId(), payload: { session: { accountId: alice }, uid: testId() } },
        { model: "Interaction", id: testId(), payload: { result: { login: { accountId: alice } } } },
        { model: "Interaction", id: testId(), payload: { lastSubmission: { login: { accountId: alice } } } },
        { model: "Interaction", id: testId(), payload: { lastSubmission: { login: { accountId: bob } } } },
        // A consent in progress names its app only in the request it serves: its params.
        {
          model: "Interaction",
          id: testId(),
          payload: { session: { accountId: alice }, params: { client_id: app } },
        },
        {
          model: "Interaction",
          id: testId(),
          payload: { session: { accountId: bob }, params: { client_id: app } },
        },
      ];
      for (const { model, id, payload } of seeded) {
        await store.upsert({ model, id, payload: { jti: id, ...payload }, expiresAt: at(60_000) });
      }
      // Which seeded records are still there, one letter each: "+" kept, "-" gone.
      const alive = async (): Promise<string> =>
        (
          await Promise.all(
            seeded.map(async ({ model, id }) =>
              (await store.find({ model, id, now: at(0) })) === null ? "-" : "+",
            ),
          )
        ).join("");
      await store.revokeTokensByAccountAndClient({ accountId: alice, clientId: app });
      // Signing out of an app: its tokens go, its grant (the remembered consent) stays.
      expect(await alive()).toBe("--++++++++++++");
      await store.revokeByAccountAndClient({ accountId: alice, clientId: app });
      expect(await alive()).toBe("---+++++++++-+");
      await store.revokeByClient(app);
      expect(await alive()).toBe("-----+++++++--");
      await store.revokeByAccount(alice);
      expect(await alive()).toBe("-------+---+--");
    });
  });
}
