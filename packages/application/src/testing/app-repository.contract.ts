import type { AppScope, AppSettings, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type {
  AppAuthorizationRepository,
  AppRepository,
  AuthorizationVersion,
  StoredApp,
  UserRepository,
} from "../ports/index.ts";
import { at, makeUser, testId } from "./fixtures.ts";

const settings: AppSettings = {
  name: "Photo printer",
  logoURL: "https://app.example/logo.png",
  homepageURL: null,
  redirectURIs: ["https://app.example/cb", "http://127.0.0.1:8080/cb"],
  postLogoutRedirectURIs: [],
  allowedScopes: ["openid", "user:read"],
  type: "confidential",
  tokenEndpointAuthMethod: "client_secret_basic",
  idTokenSigningAlg: "ES256",
  // Off, as a confidential app may have it: both values are read back (the public app below has it on).
  requirePKCE: false,
  backchannelLogoutURI: "https://app.example/backchannel-logout?from=superoauth",
};

/**
 * The behaviour every AppRepository and AppAuthorizationRepository must have, together (the
 * authorizations list their app's name). Stores with foreign keys need the owner and the user to
 * exist, so the suite creates them through `users`.
 */
export function appRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{
    apps: AppRepository;
    authorizations: AppAuthorizationRepository;
    users: UserRepository;
  }>,
): void {
  async function withOwner() {
    const repositories = await makeRepositories();
    const owner = makeUser();
    await repositories.users.insertUser(owner);
    return { ...repositories, ownerId: owner.id };
  }

  function app(ownerId: UserId, overrides: Partial<StoredApp> = {}): StoredApp {
    return {
      ...settings,
      clientId: `client-${testId()}`,
      ownerId,
      secretHash: "a".repeat(64),
      createdAt: at(0),
      updatedAt: at(0),
      ...overrides,
    };
  }

  describe(`AppRepository contract: ${name}`, () => {
    it("finds a created app, field for field", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId);
      await apps.createApp(created);
      expect(await apps.findApp(created.clientId)).toEqual(created);
      expect(await apps.findApp(`client-${testId()}`)).toBeNull();
      const publicApp = app(ownerId, {
        secretHash: null,
        type: "public",
        tokenEndpointAuthMethod: "none",
        idTokenSigningAlg: "RS256",
        requirePKCE: true,
        backchannelLogoutURI: null,
        homepageURL: "https://app.example/",
        postLogoutRedirectURIs: ["https://app.example/bye"],
      });
      await apps.createApp(publicApp);
      expect(await apps.findApp(publicApp.clientId)).toEqual(publicApp);
    });

    it("refuses a second app with one client id", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId);
      await apps.createApp(created);
      await expect(apps.createApp({ ...created, name: "Other" })).rejects.toThrow();
      expect(await apps.findApp(created.clientId)).toMatchObject({ name: settings.name });
    });

    it("compares client ids exactly", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId, { clientId: `AbC-${testId()}` });
      await apps.createApp(created);
      expect(await apps.findApp(created.clientId.toLowerCase())).toBeNull();
      expect(await apps.findApp(`${created.clientId} `)).toBeNull();
    });

    it("lists an owner's apps oldest first, and no one else's", async () => {
      const { apps, users, ownerId } = await withOwner();
      const other = makeUser();
      await users.insertUser(other);
      const second = app(ownerId, { createdAt: at(2000), updatedAt: at(2000) });
      const first = app(ownerId, { createdAt: at(1000), updatedAt: at(1000) });
      await apps.createApp(second);
      await apps.createApp(first);
      await apps.createApp(app(other.id));
      expect((await apps.listAppsByOwner(ownerId)).map((a) => a.clientId)).toEqual([
        first.clientId,
        second.clientId,
      ]);
    });

    it("updates, re-keys and deletes only the owner's app", async () => {
      const { apps, users, ownerId } = await withOwner();
      const other = makeUser();
      await users.insertUser(other);
      const created = app(ownerId);
      await apps.createApp(created);
      const changed: AppSettings = { ...settings, name: "Renamed", redirectURIs: ["https://new.example/cb"] };
      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId: other.id,
          settings: changed,
          readAt: created.updatedAt,
          now: at(5),
        }),
      ).toBe("not-found");
      expect(
        await apps.replaceSecretHash({
          clientId: created.clientId,
          ownerId: other.id,
          secretHash: "b".repeat(64),
          readAt: created.updatedAt,
          now: at(5),
        }),
      ).toBe("not-found");
      expect(await apps.deleteApp({ clientId: created.clientId, ownerId: other.id })).toBe(false);
      expect(await apps.findApp(created.clientId)).toEqual(created);

      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId,
          settings: changed,
          readAt: created.updatedAt,
          now: at(5),
        }),
      ).toBe("updated");
      expect(
        await apps.replaceSecretHash({
          clientId: created.clientId,
          ownerId,
          secretHash: "b".repeat(64),
          readAt: at(5),
          now: at(6),
        }),
      ).toBe("updated");
      expect(await apps.findApp(created.clientId)).toEqual({
        ...created,
        ...changed,
        secretHash: "b".repeat(64),
        updatedAt: at(6),
      });
      expect(await apps.deleteApp({ clientId: created.clientId, ownerId })).toBe(true);
      expect(await apps.findApp(created.clientId)).toBeNull();
      expect(await apps.deleteApp({ clientId: created.clientId, ownerId })).toBe(false);
      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId,
          settings: changed,
          readAt: at(6),
          now: at(7),
        }),
      ).toBe("not-found");
    });

    it("a secret's replacement keeps the hash it replaced and when, the last one only; one not made keeps nothing", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId);
      await apps.createApp(created);
      expect(await apps.findReplacedSecret(created.clientId)).toBeNull();
      expect(await apps.findReplacedSecret("no-such-client")).toBeNull();
      // Not as read: nothing written, nothing kept.
      expect(
        await apps.replaceSecretHash({
          clientId: created.clientId,
          ownerId,
          secretHash: "b".repeat(64),
          readAt: at(3),
          now: at(4),
        }),
      ).toBe("changed");
      expect(await apps.findReplacedSecret(created.clientId)).toBeNull();

      const replace = (secretHash: string, readAt: Date, now: Date) =>
        apps.replaceSecretHash({ clientId: created.clientId, ownerId, secretHash, readAt, now });
      expect(await replace("b".repeat(64), at(0), at(5))).toBe("updated");
      expect(await apps.findReplacedSecret(created.clientId)).toEqual({
        hash: "a".repeat(64),
        replacedAt: at(5),
      });
      expect((await apps.findApp(created.clientId))?.secretHash).toBe("b".repeat(64));
      expect(await replace("c".repeat(64), at(5), at(6))).toBe("updated");
      expect(await apps.findReplacedSecret(created.clientId)).toEqual({
        hash: "b".repeat(64),
        replacedAt: at(6),
      });
      expect((await apps.findApp(created.clientId))?.secretHash).toBe("c".repeat(64));

      expect(await apps.deleteApp({ clientId: created.clientId, ownerId })).toBe(true);
      expect(await apps.findReplacedSecret(created.clientId)).toBeNull();
    });

    it("updates only an app still as it was read: a write since answers changed and is not made", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId, { updatedAt: at(1) });
      await apps.createApp(created);
      const renamed: AppSettings = { ...settings, name: "Renamed" };
      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId,
          settings: renamed,
          readAt: at(1),
          now: at(2),
        }),
      ).toBe("updated");
      // A second edit that read the app before the first was written.
      const narrowed: AppSettings = { ...settings, allowedScopes: ["openid"] };
      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId,
          settings: narrowed,
          readAt: at(1),
          now: at(3),
        }),
      ).toBe("changed");
      expect(await apps.findApp(created.clientId)).toEqual({ ...created, ...renamed, updatedAt: at(2) });
      // Read again, it is written.
      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId,
          settings: { ...renamed, allowedScopes: ["openid"] },
          readAt: at(2),
          now: at(3),
        }),
      ).toBe("updated");
      expect(await apps.findApp(created.clientId)).toMatchObject({
        name: "Renamed",
        allowedScopes: ["openid"],
        updatedAt: at(3),
      });
    });

    it("of 10 concurrent updates from one read, exactly one is written", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId, { updatedAt: at(1) });
      await apps.createApp(created);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          apps.updateApp({
            clientId: created.clientId,
            ownerId,
            settings: { ...settings, name: `Edit ${i}` },
            readAt: at(1),
            now: at(2),
          }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === "updated")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "changed")).toHaveLength(9);
      const winner = outcomes.indexOf("updated");
      expect(await apps.findApp(created.clientId)).toMatchObject({
        name: `Edit ${winner}`,
        updatedAt: at(2),
      });
    });

    it("replaces a secret hash only over the app as it was read, and moves it on for an edit that read it before", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId, { updatedAt: at(1) });
      await apps.createApp(created);
      const rotate = (secretHash: string, readAt: Date, now: Date) =>
        apps.replaceSecretHash({ clientId: created.clientId, ownerId, secretHash, readAt, now });
      expect(await rotate("b".repeat(64), at(1), at(2))).toBe("updated");
      // A second rotation, and an edit, that read the app before the first rotation was written.
      expect(await rotate("c".repeat(64), at(1), at(3))).toBe("changed");
      expect(
        await apps.updateApp({
          clientId: created.clientId,
          ownerId,
          settings: { ...settings, name: "Renamed" },
          readAt: at(1),
          now: at(3),
        }),
      ).toBe("changed");
      expect(await apps.findApp(created.clientId)).toEqual({
        ...created,
        secretHash: "b".repeat(64),
        updatedAt: at(2),
      });
      // Read again, it is written.
      expect(await rotate("c".repeat(64), at(2), at(3))).toBe("updated");
      expect(await apps.findApp(created.clientId)).toMatchObject({
        secretHash: "c".repeat(64),
        updatedAt: at(3),
      });
    });

    it("of 10 concurrent secret replacements from one read, exactly one is written", async () => {
      const { apps, ownerId } = await withOwner();
      const created = app(ownerId, { updatedAt: at(1) });
      await apps.createApp(created);
      const hashes = Array.from({ length: 10 }, (_, i) => String(i).repeat(64));
      const outcomes = await Promise.all(
        hashes.map((secretHash) =>
          apps.replaceSecretHash({
            clientId: created.clientId,
            ownerId,
            secretHash,
            readAt: at(1),
            now: at(2),
          }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === "updated")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "changed")).toHaveLength(9);
      expect(await apps.findApp(created.clientId)).toMatchObject({
        secretHash: hashes[outcomes.indexOf("updated")],
        updatedAt: at(2),
      });
    });
  });

  describe(`AppAuthorizationRepository contract: ${name}`, () => {
    async function withApp() {
      const repositories = await withOwner();
      const created = app(repositories.ownerId);
      await repositories.apps.createApp(created);
      const user = makeUser();
      await repositories.users.insertUser(user);
      return { ...repositories, clientId: created.clientId, userId: user.id };
    }

    it("records an authorization, then replaces its grant and scopes and keeps when it was first granted", async () => {
      const { authorizations, clientId, userId } = await withApp();
      const grantId = testId();
      await authorizations.recordAuthorization({
        userId,
        clientId,
        grantId,
        scopes: ["openid"],
        now: at(1000),
        replacing: null,
      });
      expect(await authorizations.findAuthorization({ userId, clientId })).toEqual({
        userId,
        clientId,
        grantId,
        scopes: ["openid"],
        grantedAt: at(1000),
        lastUsedAt: at(1000),
      });
      const newGrantId = testId();
      const replaced = await authorizations.recordAuthorization({
        userId,
        clientId,
        grantId: newGrantId,
        scopes: ["openid", "user:read"],
        now: at(9000),
        replacing: { grantId, scopes: ["openid"] },
      });
      expect(replaced).toBe(true);
      expect(await authorizations.findAuthorization({ userId, clientId })).toEqual({
        userId,
        clientId,
        grantId: newGrantId,
        scopes: ["openid", "user:read"],
        grantedAt: at(1000),
        lastUsedAt: at(9000),
      });
      expect(await authorizations.findAuthorization({ userId, clientId: `client-${testId()}` })).toBeNull();
    });

    it("of 10 concurrent first records of one pair exactly one is made", async () => {
      const { authorizations, clientId, userId } = await withApp();
      const grantIds = Array.from({ length: 10 }, () => testId());
      const made = await Promise.all(
        grantIds.map((grantId) =>
          authorizations.recordAuthorization({
            userId,
            clientId,
            grantId,
            scopes: ["openid"],
            now: at(1),
            replacing: null,
          }),
        ),
      );
      expect(made.filter(Boolean)).toHaveLength(1);
      const found = await authorizations.findAuthorization({ userId, clientId });
      expect(found?.grantId).toBe(grantIds[made.indexOf(true)]);
      expect(await authorizations.listAuthorizedApps(userId)).toHaveLength(1);
    });

    it("replaces an authorization only while it is as read: of 10 replacements from one read exactly one is made", async () => {
      const { authorizations, clientId, userId } = await withApp();
      const first = { grantId: testId(), scopes: ["openid", "profile"] as const };
      const record = (grantId: string, scopes: readonly AppScope[], replacing: AuthorizationVersion | null) =>
        authorizations.recordAuthorization({ userId, clientId, grantId, scopes, now: at(5), replacing });
      expect(await record(first.grantId, first.scopes, null)).toBe(true);
      // A first record again (the consent found none, another recorded first): nothing written.
      expect(await record(testId(), ["openid"], null)).toBe(false);
      // Read with other scopes or another grant than the row holds: nothing written.
      expect(await record(testId(), ["openid"], { grantId: first.grantId, scopes: ["openid"] })).toBe(false);
      expect(await record(testId(), ["openid"], { grantId: testId(), scopes: first.scopes })).toBe(false);
      expect(await authorizations.findAuthorization({ userId, clientId })).toMatchObject({
        grantId: first.grantId,
        scopes: ["openid", "profile"],
      });
      // The same grant extended by 10 consents that read it at once: one of them records.
      const extensions: AppScope[][] = Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? ["openid", "profile", "email"] : ["openid", "profile", "user:read"],
      );
      const made = await Promise.all(extensions.map((scopes) => record(first.grantId, scopes, first)));
      expect(made.filter(Boolean)).toHaveLength(1);
      expect(await authorizations.findAuthorization({ userId, clientId })).toMatchObject({
        grantId: first.grantId,
        scopes: extensions[made.indexOf(true)],
      });
      // Recording the very values the row holds is made (a consent given again as it was).
      const now = (await authorizations.findAuthorization({ userId, clientId }))?.scopes ?? [];
      expect(await record(first.grantId, now, { grantId: first.grantId, scopes: now })).toBe(true);
      // A revoke deleted it meanwhile: a replacement writes nothing, and no row comes back.
      await authorizations.deleteAuthorization({ userId, clientId });
      expect(await record(first.grantId, now, { grantId: first.grantId, scopes: now })).toBe(false);
      expect(await authorizations.findAuthorization({ userId, clientId })).toBeNull();
    });

    it("touches lastUsedAt at most once a minute", async () => {
      const { authorizations, clientId, userId } = await withApp();
      await authorizations.recordAuthorization({
        userId,
        clientId,
        grantId: testId(),
        scopes: ["openid"],
        now: at(0),
        replacing: null,
      });
      await authorizations.touchAuthorization({ userId, clientId, now: at(59_999) });
      expect(await authorizations.findAuthorization({ userId, clientId })).toMatchObject({
        lastUsedAt: at(0),
      });
      await authorizations.touchAuthorization({ userId, clientId, now: at(60_000) });
      expect(await authorizations.findAuthorization({ userId, clientId })).toMatchObject({
        grantedAt: at(0),
        lastUsedAt: at(60_000),
      });
      // Touching what is not there creates nothing.
      await authorizations.touchAuthorization({ userId, clientId: `client-${testId()}`, now: at(60_000) });
      expect(await authorizations.listAuthorizedApps(userId)).toHaveLength(1);
    });

    it("lists a user's authorized apps with their name and logo, most recently used first", async () => {
      const { apps, authorizations, clientId, userId, ownerId } = await withApp();
      const other = app(ownerId, { name: "Other app", logoURL: null });
      await apps.createApp(other);
      await authorizations.recordAuthorization({
        userId,
        clientId,
        grantId: testId(),
        scopes: ["openid"],
        now: at(0),
        replacing: null,
      });
      await authorizations.recordAuthorization({
        userId,
        clientId: other.clientId,
        grantId: testId(),
        scopes: ["openid", "user:read"],
        now: at(5000),
        replacing: null,
      });
      await authorizations.recordAuthorization({
        userId: ownerId,
        clientId,
        grantId: testId(),
        scopes: ["openid"],
        now: at(0),
        replacing: null,
      });
      expect(await authorizations.listAuthorizedApps(userId)).toEqual([
        expect.objectContaining({
          clientId: other.clientId,
          name: "Other app",
          logoURL: null,
          scopes: ["openid", "user:read"],
        }),
        expect.objectContaining({
          clientId,
          name: settings.name,
          logoURL: settings.logoURL,
          homepageURL: null,
        }),
      ]);
    });

    it("deletes one authorization, every one of a client, every one of a user", async () => {
      const { apps, users, authorizations, clientId, userId, ownerId } = await withApp();
      const otherApp = app(ownerId);
      await apps.createApp(otherApp);
      const otherUser = makeUser();
      await users.insertUser(otherUser);
      for (const u of [userId, otherUser.id]) {
        for (const c of [clientId, otherApp.clientId]) {
          await authorizations.recordAuthorization({
            userId: u,
            clientId: c,
            grantId: testId(),
            scopes: ["openid"],
            now: at(0),
            replacing: null,
          });
        }
      }
      // With a grant id, only while the authorization names that grant (another user's here).
      const theirs = { userId: otherUser.id, clientId: otherApp.clientId };
      const named = await authorizations.findAuthorization(theirs);
      const onlyNamed = { ...theirs, grantId: named?.grantId ?? "" };
      expect(await authorizations.deleteAuthorization({ ...onlyNamed, grantId: testId() })).toBe(false);
      expect(await authorizations.findAuthorization(theirs)).toEqual(named);
      expect(await authorizations.deleteAuthorization(onlyNamed)).toBe(true);
      expect(await authorizations.findAuthorization(theirs)).toBeNull();
      expect(await authorizations.deleteAuthorization({ userId, clientId })).toBe(true);
      expect(await authorizations.deleteAuthorization({ userId, clientId })).toBe(false);
      expect((await authorizations.listAuthorizedApps(userId)).map((a) => a.clientId)).toEqual([
        otherApp.clientId,
      ]);
      await authorizations.deleteAuthorizationsOfClient(otherApp.clientId);
      expect(await authorizations.listAuthorizedApps(userId)).toEqual([]);
      expect((await authorizations.listAuthorizedApps(otherUser.id)).map((a) => a.clientId)).toEqual([
        clientId,
      ]);
      await authorizations.deleteAuthorizationsOfUser(otherUser.id);
      expect(await authorizations.listAuthorizedApps(otherUser.id)).toEqual([]);
    });

    it("lists nothing for an app that was deleted", async () => {
      const { apps, authorizations, clientId, userId, ownerId } = await withApp();
      await authorizations.recordAuthorization({
        userId,
        clientId,
        grantId: testId(),
        scopes: ["openid"],
        now: at(0),
        replacing: null,
      });
      await apps.deleteApp({ clientId, ownerId });
      expect(await authorizations.listAuthorizedApps(userId)).toEqual([]);
    });
  });
}
