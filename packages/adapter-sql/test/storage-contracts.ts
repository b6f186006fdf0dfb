import { DeletedMeanwhileError } from "@superoauth/application";
import {
  accountAdministrationContract,
  appRepositoryContract,
  emailTokenRepositoryContract,
  exportJobRepositoryContract,
  linkedProviderRepositoryContract,
  lockoutRepositoryContract,
  maintenanceNoticesContract,
  makePublicApp,
  makeRefreshToken,
  makeSession,
  makeUser,
  oauthFlowRepositoryContract,
  oidcModelStoreContract,
  securityEventLogContract,
  sessionRepositoryContract,
  signingKeyStoreContract,
  testId,
  transactionsContract,
  twoFactorRepositoryContract,
  userRepositoryContract,
} from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Storage } from "../src/storage.ts";
import { oidcModelStoreAtRest } from "./oidc-model-store-at-rest.ts";

/** A `security_events` row of `staff`'s action on `person`'s account, of any type (a newer release's too). */
function staffActionRow(person: UserId, staff: UserId) {
  return (id: string, type: string) => ({
    id,
    user_id: person,
    type,
    occurred_at: new Date(),
    ip: "203.0.113.9",
    user_agent: "vitest",
    actor_id: staff,
    details: "{}",
  });
}

/**
 * Every repository contract suite of the application, against one storage: the same test bodies
 * run on each backend (contracts.mysql.int.test.ts, contracts.sqlite.test.ts) and on the
 * in-memory implementation (in the application package). Storage.prune has its own database per
 * backend (prune.*.test.ts): it counts every expired row, and the contracts leave some.
 */
export function storageContracts(name: string, storage: () => Storage): void {
  userRepositoryContract(name, async () => storage().users);
  sessionRepositoryContract(name, async () => ({
    sessions: storage().sessions,
    users: storage().users,
    twoFactor: storage().twoFactor,
  }));
  securityEventLogContract(name, async () => ({ events: storage().securityEvents, users: storage().users }));
  linkedProviderRepositoryContract(name, async () => ({
    links: storage().linkedProviders,
    users: storage().users,
    sessions: storage().sessions,
  }));
  oauthFlowRepositoryContract(name, async () => ({ flows: storage().oauthFlows, users: storage().users }));
  emailTokenRepositoryContract(name, async () => ({
    emailTokens: storage().emailTokens,
    users: storage().users,
  }));
  twoFactorRepositoryContract(name, async () => ({ twoFactor: storage().twoFactor, users: storage().users }));
  lockoutRepositoryContract(name, async () => ({ lockout: storage().lockout, users: storage().users }));
  oidcModelStoreContract(name, async () => storage().oidcModels);
  maintenanceNoticesContract(name, async () => {
    // The contract starts with no notice.
    await storage().maintenanceNotices.replace(null);
    return storage().maintenanceNotices;
  });
  appRepositoryContract(name, async () => ({
    apps: storage().apps,
    authorizations: storage().appAuthorizations,
    users: storage().users,
  }));
  exportJobRepositoryContract(name, async () => ({ jobs: storage().exportJobs, users: storage().users }));
  oidcModelStoreAtRest(name, storage);
  signingKeyStoreContract(name, async () => {
    // The contract starts from an empty table (first start, concurrent first starts).
    await storage().db.deleteFrom("signing_keys").execute();
    return storage().signingKeys;
  });
  accountAdministrationContract(name, async () => ({
    ...storage(),
    administration: storage().accountAdministration,
  }));
  describe(`SecurityEventLog rows of a newer release: ${name}`, () => {
    it("leaves out a row of a type this release does not know, in the person's log and in the audit", async () => {
      const [person, staff] = [makeUser(), makeUser()];
      for (const user of [person, staff]) await storage().users.insertUser(user);
      const row = staffActionRow(person.id, staff.id);
      const [known, unknown] = [testId(), testId()];
      await storage()
        .db.insertInto("security_events")
        .values([row(known, "account_unlocked"), row(unknown, "something_a_newer_release_records")])
        .execute();
      const events = await storage().securityEvents.listSecurityEventsOfUser({
        userId: person.id,
        limit: 10,
      });
      expect(events.map((event) => event.id)).toEqual([known]);
      const audit = await storage().accountAdministration.listStaffActions({ limit: 1000 });
      expect(audit.map((event) => event.id)).toContain(known);
      expect(audit.map((event) => event.id)).not.toContain(unknown);
    });

    it("fills a page with entries it knows, however many of a newer release's lie among them", async () => {
      const [person, staff] = [makeUser(), makeUser()];
      for (const user of [person, staff]) await storage().users.insertUser(user);
      // Below every other id (the fixtures' and the service's), so the audit's page is these rows.
      const stem = testId().slice(-12, -4);
      const id = (n: number) => `0190a000-0000-7000-7fff-${stem}${String(n).padStart(4, "0")}`;
      const [older, unknown, newer, after] = [id(1), id(2), id(3), id(4)];
      const row = staffActionRow(person.id, staff.id);
      await storage()
        .db.insertInto("security_events")
        .values([
          row(older, "account_unlocked"),
          row(unknown, "something_a_newer_release_records"),
          row(newer, "account_unlocked"),
        ])
        .execute();
      const ids = (events: readonly { id: string }[]) => events.map((event) => event.id);
      // A page of two is the two known entries: a reader paging until a short page reads them all.
      expect(
        ids(await storage().securityEvents.listSecurityEventsOfUser({ userId: person.id, limit: 2 })),
      ).toEqual([newer, older]);
      expect(
        ids(await storage().accountAdministration.listStaffActions({ limit: 2, beforeId: after })),
      ).toEqual([newer, older]);
      expect(
        ids(await storage().accountAdministration.listActionsBy({ actorId: staff.id, limit: 2 })),
      ).toEqual([newer, older]);
    });
  });
  describe(`ThirdPartyGrants: ${name}`, () => {
    it("revokeGrantsOfUser deletes the user's provider records and app authorizations, and no one else's", async () => {
      const [owner, ada, grace] = [makeUser(), makeUser(), makeUser()];
      for (const user of [owner, ada, grace]) await storage().users.insertUser(user);
      const clientId = `app-${ada.id.slice(-8)}`;
      await storage().apps.createApp(makePublicApp(owner.id, { clientId }));
      for (const user of [ada, grace]) {
        await storage().appAuthorizations.recordAuthorization({
          userId: user.id,
          clientId,
          grantId: `grant-${user.id}`,
          scopes: ["openid"],
          now: new Date(),
          replacing: null,
        });
        await storage().oidcModels.upsert({
          model: "Grant",
          id: `grant-${user.id}`,
          payload: { accountId: user.id, clientId },
          expiresAt: null,
        });
      }

      await storage().thirdPartyGrants.revokeGrantsOfUser({ userId: ada.id });

      const now = new Date();
      expect(await storage().appAuthorizations.findAuthorization({ userId: ada.id, clientId })).toBeNull();
      expect(await storage().oidcModels.find({ model: "Grant", id: `grant-${ada.id}`, now })).toBeNull();
      expect(
        await storage().appAuthorizations.findAuthorization({ userId: grace.id, clientId }),
      ).not.toBeNull();
      expect(
        await storage().oidcModels.find({ model: "Grant", id: `grant-${grace.id}`, now }),
      ).not.toBeNull();
    });
  });

  describe(`AppAuthorizationRepository's touch on ${name}: no statement within a minute of its own write`, () => {
    it("skips the statement within a minute of its own write (a consent's, a touch's), asks again past it, after a clock set back, and after another's write", async () => {
      const [owner, ada] = [makeUser(), makeUser()];
      for (const user of [owner, ada]) await storage().users.insertUser(user);
      const clientId = `app-${ada.id.slice(-8)}`;
      await storage().apps.createApp(makePublicApp(owner.id, { clientId }));
      const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
      const pair = { userId: ada.id, clientId };
      const authorizations = storage().appAuthorizations;
      const touch = (ms: number) => authorizations.touchAuthorization({ ...pair, now: at(ms) });
      const lastUsed = async () => (await authorizations.findAuthorization(pair))?.lastUsedAt;
      // Written behind the repository's back: shows whether a touch sent its statement.
      const setLastUsed = (ms: number) =>
        storage()
          .db.updateTable("app_authorizations")
          .set({ last_used_at: at(ms) })
          .where("user_id", "=", ada.id)
          .where("client_id", "=", clientId)
          .execute();

      // The consent's record at 0 is its own write: for the minute after it, no statement.
      await authorizations.recordAuthorization({
        ...pair,
        grantId: `grant-${ada.id}`,
        scopes: ["openid"],
        now: at(0),
        replacing: null,
      });
      await setLastUsed(-60_000);
      await touch(59_999);
      expect(await lastUsed()).toEqual(at(-60_000));
      await touch(60_000);
      expect(await lastUsed()).toEqual(at(60_000));
      // So is a touch's write.
      await setLastUsed(-60_000);
      await touch(119_999);
      expect(await lastUsed()).toEqual(at(-60_000));
      await touch(120_000);
      expect(await lastUsed()).toEqual(at(120_000));
      // A clock set back behind its last write asks again.
      await setLastUsed(-60_000);
      await touch(10_000);
      expect(await lastUsed()).toEqual(at(10_000));
      // Another instance's write (fresh, so this touch writes nothing) is not remembered as ours:
      // the next touch asks.
      await setLastUsed(200_000);
      await touch(200_001);
      expect(await lastUsed()).toEqual(at(200_000));
      await setLastUsed(-60_000);
      await touch(200_002);
      expect(await lastUsed()).toEqual(at(200_002));
    });
  });
  describe(`RunningInstances: ${name}`, () => {
    const instance = (id: string, startedAt: Date, settings: Record<string, string> = { A: "1" }) => ({
      id,
      host: `host-${id}`,
      releaseVersion: "1.2.3",
      startedAt,
      settings,
    });
    const ids = (rows: readonly { id: string }[]) => rows.map((row) => row.id);
    const t0 = new Date("2030-01-01T00:00:00.000Z");
    const later = (ms: number) => new Date(t0.getTime() + ms);

    it("announce writes a row, again updates it; seenSince lists those seen since, but the asker, oldest start first", async () => {
      const instances = storage().runningInstances;
      await instances.announce(instance("ri-b", later(1_000)), later(1_000));
      await instances.announce(instance("ri-a", t0), t0);
      await instances.announce(instance("ri-a", t0, { A: "2", B: "3" }), later(120_000));

      const seen = await instances.seenSince({ since: later(60_000) });
      expect(seen.filter((row) => row.id.startsWith("ri-"))).toEqual([
        {
          id: "ri-a",
          host: "host-ri-a",
          releaseVersion: "1.2.3",
          startedAt: t0,
          seenAt: later(120_000),
          settings: { A: "2", B: "3" },
        },
      ]);
      expect(ids(await instances.seenSince({ since: t0 })).filter((id) => id.startsWith("ri-"))).toEqual([
        "ri-a",
        "ri-b",
      ]);
      expect(ids(await instances.seenSince({ since: t0, exceptId: "ri-a" }))).not.toContain("ri-a");
    });

    it("withdraw deletes the row; an announce deletes rows not seen for a day", async () => {
      const instances = storage().runningInstances;
      await instances.announce(instance("ri-gone", t0), t0);
      await instances.announce(instance("ri-stale", t0), t0);
      await instances.withdraw("ri-gone");
      expect(ids(await instances.seenSince({ since: t0 }))).not.toContain("ri-gone");
      expect(ids(await instances.seenSince({ since: t0 }))).toContain("ri-stale");

      await instances.announce(instance("ri-new", later(24 * 3600_000 + 1)), later(24 * 3600_000 + 1));
      const all = ids(await instances.seenSince({ since: new Date(0) }));
      expect(all).not.toContain("ri-stale");
      expect(all).toContain("ri-new");
    });

    it("reads a row whose settings are not a map of strings as having none to compare", async () => {
      await storage()
        .db.insertInto("running_instances")
        .values({
          id: "ri-bad",
          host: "h",
          release_version: "1",
          started_at: later(1),
          seen_at: later(2 * 24 * 3600_000),
          settings: "[1,2",
        })
        .execute();
      const row = (await storage().runningInstances.seenSince({ since: later(2 * 24 * 3600_000) })).find(
        (r) => r.id === "ri-bad",
      );
      expect(row?.settings).toEqual({});
    });
  });

  transactionsContract(
    name,
    async () => ({ transactions: storage().transactions, repositories: storage() }),
    { rollsBack: true },
  );

  describe(`the lockout in a caller's transaction: ${name}`, () => {
    it("refuses an update of the counters (its own transaction avoids a deadlock), and clears and remembers inside one", async () => {
      const account = `inside-${testId()}@example.com`;
      const user = makeUser();
      await storage().users.insertUser(user);
      await expect(
        storage().transactions.run(async ({ lockout }) =>
          lockout?.updateLoginFailures({ account, sources: ["ip:1"], update: (current) => current }),
        ),
      ).rejects.toThrow("updateLoginFailures runs in no caller's transaction");
      await storage().transactions.run(async ({ lockout }) => {
        await lockout?.clearLoginFailures({ account, sources: ["ip:1"] });
        await lockout?.rememberSignInSources({ userId: user.id, sources: ["ip:1"], now: new Date() });
      });
      expect(
        await storage().lockout.findKnownSignInSources({
          userId: user.id,
          sources: ["ip:1"],
          since: new Date(0),
        }),
      ).toEqual(["ip:1"]);
    });
  });

  describe(`a write under a row deleted meanwhile: ${name}`, () => {
    it("ends in DeletedMeanwhileError (the API's 404), in a transaction or not, and writes nothing", async () => {
      const gone = makeUser();
      const session = makeSession(gone.id);
      // In a transaction: the session and its first refresh token.
      await expect(
        storage().sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) }),
      ).rejects.toBeInstanceOf(DeletedMeanwhileError);
      expect(await storage().sessions.findSession(session.id)).toBeNull();
      // A statement of its own: the sources a sign-in remembers.
      await expect(
        storage().lockout.rememberSignInSources({ userId: gone.id, sources: ["ip:1"], now: new Date() }),
      ).rejects.toBeInstanceOf(DeletedMeanwhileError);
    });
  });
}
