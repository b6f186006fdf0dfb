import {
  checkAnAdminRemains,
  createEmailToken,
  type Email,
  type EmailTokenId,
  err,
  type Nickname,
  ok,
  type SecurityEvent,
  type User,
  type UserId,
} from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type {
  AccountAdministration,
  EmailTokenRepository,
  LinkedProviderRepository,
  LockoutRepository,
  MaintenanceNotices,
  OAuthAuthorization,
  OAuthFlowRepository,
  SecurityEventLog,
  SessionRepository,
  TwoFactorRepository,
  UserRepository,
} from "../ports/index.ts";
import { at, makeRefreshToken, makeSession, makeUser, t0, testId } from "./fixtures.ts";

/** The stores an AccountAdministration acts on, as one backend holds them. */
export interface AccountStores {
  readonly administration: AccountAdministration;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly securityEvents: SecurityEventLog;
  readonly linkedProviders: LinkedProviderRepository;
  readonly twoFactor: TwoFactorRepository;
  readonly emailTokens: EmailTokenRepository;
  readonly lockout: LockoutRepository;
  readonly maintenanceNotices: MaintenanceNotices;
  readonly oauthFlows: OAuthFlowRepository;
}

/** The behaviour every AccountAdministration must have, the last-admin race included. */
export function accountAdministrationContract(name: string, makeStores: () => Promise<AccountStores>): void {
  const allow = () => ok(undefined);
  const event = (userId: UserId, overrides: Partial<SecurityEvent> = {}): SecurityEvent => ({
    id: testId(),
    userId,
    type: "login_succeeded",
    occurredAt: at(1000),
    ip: "203.0.113.7",
    userAgent: "Secret Browser 1.0",
    actorId: null,
    details: { method: "password" },
    ...overrides,
  });

  /** An id that sorts by `n` (ids are in time order: UUIDv7 in production). */
  const orderedId = (n: number) => `0190a000-0000-7000-800${n}-${testId().slice(24)}`;
  /** What `staff` did, from their own client, on the account `on`: the `n`th event in time. */
  const actionBy = (
    staff: User,
    input: { on: UserId; n: number; type: SecurityEvent["type"] },
  ): SecurityEvent =>
    event(input.on, {
      id: orderedId(input.n),
      type: input.type,
      actorId: staff.id,
      ip: "198.51.100.23",
      userAgent: "Staff/2.0",
      details: { by: staff.role },
    });

  /** The stores, a plain user and a member of staff with `role`, both stored. */
  const withUserAndStaff = async (role: "support" | "admin") => {
    const stores = await makeStores();
    const user = makeUser();
    const staff = makeUser({ role });
    await stores.users.insertUser(user);
    await stores.users.insertUser(staff);
    return { ...stores, user, staff };
  };

  describe(`AccountAdministration contract: ${name}`, () => {
    it("finds users by a part of their email or nickname, case-insensitively, in id order", async () => {
      const { administration, users } = await makeStores();
      const tag = testId().slice(-8);
      const a = makeUser({ email: `ada-${tag}@example.com` as Email, nickname: "Ada_L" as Nickname });
      const b = makeUser({ email: `bob-${tag}@example.com` as Email, nickname: `Zed${tag}` as Nickname });
      const c = makeUser({ email: `carol@example.com-${tag}x` as Email, nickname: "carol" as Nickname });
      for (const u of [a, b, c]) await users.insertUser(u);
      const ids = (found: User[]) => found.map((u) => u.id);
      const sorted = [a, b, c].map((u) => u.id).sort();
      expect(ids(await administration.searchUsers({ query: tag, limit: 10 }))).toEqual(sorted);
      expect(ids(await administration.searchUsers({ query: `zed${tag}`.toLowerCase(), limit: 10 }))).toEqual([
        b.id,
      ]);
      expect(ids(await administration.searchUsers({ query: `ada-${tag}@`, limit: 10 }))).toEqual([a.id]);
      // Pages continue after the last id seen.
      const first = await administration.searchUsers({ query: tag, limit: 2 });
      expect(ids(first)).toEqual(sorted.slice(0, 2));
      expect(
        ids(await administration.searchUsers({ query: tag, afterId: sorted[1] ?? "", limit: 2 })),
      ).toEqual(sorted.slice(2));
    });

    it("takes LIKE's wildcards in a query literally", async () => {
      const { administration, users } = await makeStores();
      const tag = testId().slice(-8);
      const literal = makeUser({ email: `a_b%${tag}@example.com` as Email });
      const other = makeUser({ email: `axb${tag}@example.com` as Email });
      await users.insertUser(literal);
      await users.insertUser(other);
      const found = await administration.searchUsers({ query: `a_b%${tag}`, limit: 10 });
      expect(found.map((u) => u.id)).toEqual([literal.id]);
      expect(await administration.searchUsers({ query: `!${tag}`, limit: 10 })).toEqual([]);
    });

    it("changes status and role when the guard allows it, and nothing when it refuses", async () => {
      const { administration, users } = await makeStores();
      const user = makeUser();
      await users.insertUser(user);
      const changed = await administration.updateAccount({
        userId: user.id,
        change: { status: "disabled", role: "support" },
        now: at(5000),
        guard: allow,
      });
      expect(changed).toEqual({
        ok: true,
        value: { ...user, status: "disabled", role: "support", updatedAt: at(5000) },
      });
      expect(await users.findUserById(user.id)).toEqual({
        ...user,
        status: "disabled",
        role: "support",
        updatedAt: at(5000),
      });
      const refused = await administration.updateAccount({
        userId: user.id,
        change: { role: "admin" },
        now: at(6000),
        guard: ({ user: seen }) => (seen.role === "support" ? err("LAST_ADMIN") : ok(undefined)),
      });
      expect(refused).toMatchObject({ ok: false, error: "LAST_ADMIN" });
      expect((await users.findUserById(user.id))?.role).toBe("support");
      expect(
        await administration.updateAccount({ userId: testId() as UserId, change: {}, now: t0, guard: allow }),
      ).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
    });

    it("keeps a disable's reason with the status, up to 500 characters of any script, and clears it", async () => {
      const { administration, users } = await makeStores();
      const user = makeUser();
      await users.insertUser(user);
      // Characters outside the BMP: each one character (a code point), as the domain counts them.
      const reason = `${"😀".repeat(499)}é`;
      const disabled = await administration.updateAccount({
        userId: user.id,
        change: { status: "disabled", disabledReason: reason },
        now: at(1000),
        guard: allow,
      });
      expect(disabled).toMatchObject({ ok: true, value: { status: "disabled" } });
      // Kept off the account every path reads: staff's notes are read for staff alone.
      expect(disabled.ok && "disabledReason" in disabled.value).toBe(false);
      expect(await users.findUserById(user.id)).not.toHaveProperty("disabledReason");
      expect(await administration.findDisabledReason(user.id)).toBe(reason);
      await administration.updateAccount({
        userId: user.id,
        change: { status: "active", disabledReason: null },
        now: at(2000),
        guard: allow,
      });
      expect(await users.findUserById(user.id)).toMatchObject({ status: "active" });
      expect(await administration.findDisabledReason(user.id)).toBeNull();
      expect(await administration.findDisabledReason(testId() as UserId)).toBeNull();
    });

    it("computes a change from the account as locked, its reason with it: of two disables at once, the one that changed the status keeps its reason, the other sees it", async () => {
      const { administration, users } = await makeStores();
      const user = makeUser();
      await users.insertUser(user);
      /** What each change saw under the lock: the status, and the reason then. */
      const seen: { reason: string; status: string; disabledReason: string | null }[] = [];
      const disable = (reason: string) =>
        administration.updateAccount({
          userId: user.id,
          change: (locked) => {
            seen.push({ reason, status: locked.user.status, disabledReason: locked.disabledReason });
            return locked.user.status === "disabled" ? {} : { status: "disabled", disabledReason: reason };
          },
          now: at(1000),
          guard: allow,
        });
      const outcomes = await Promise.all([disable("first"), disable("second")]);
      const kept = await administration.findDisabledReason(user.id);
      expect(["first", "second"]).toContain(kept);
      // The first to lock found it active, with no reason; the second found it disabled, with the
      // first's reason (the one kept), in the same locked read.
      expect(seen).toEqual([
        { reason: kept, status: "active", disabledReason: null },
        { reason: kept === "first" ? "second" : "first", status: "disabled", disabledReason: kept },
      ]);
      // Each answers the account as its change left it: both disabled.
      expect(outcomes).toMatchObject([
        { ok: true, value: { status: "disabled" } },
        { ok: true, value: { status: "disabled" } },
      ]);
      // One after: the change sees the account as stored (disabled already), and changes nothing.
      expect(await disable("third")).toMatchObject({ ok: true, value: { status: "disabled" } });
      expect(await administration.findDisabledReason(user.id)).toBe(kept);
    });

    it("shows the guard the active admins: admins not disabled", async () => {
      const { administration, users } = await makeStores();
      const admin = makeUser({ role: "admin" });
      const disabledAdmin = makeUser({ role: "admin", status: "disabled" });
      const support = makeUser({ role: "support" });
      for (const u of [admin, disabledAdmin, support]) await users.insertUser(u);
      let seen: readonly UserId[] = [];
      await administration.updateAccount({
        userId: support.id,
        change: {},
        now: t0,
        guard: ({ activeAdminIds }) => {
          seen = activeAdminIds;
          return ok(undefined);
        },
      });
      expect(seen).toContain(admin.id);
      expect(seen).not.toContain(disabledAdmin.id);
      expect(seen).not.toContain(support.id);
      const listed = await administration.listActiveAdminIds();
      expect(listed).toContain(admin.id);
      expect(listed).not.toContain(disabledAdmin.id);
    });

    it("of two admins demoting each other at once, exactly one succeeds", async () => {
      const { administration, users } = await makeStores();
      const a = makeUser({ role: "admin" });
      const b = makeUser({ role: "admin" });
      await users.insertUser(a);
      await users.insertUser(b);
      const pair = [a.id, b.id];
      const demote = (userId: UserId) =>
        administration.updateAccount({
          userId,
          change: { role: "user" },
          now: at(1000),
          // Only this pair counts: other tests of the same database leave admins behind.
          guard: ({ user, activeAdminIds }) =>
            checkAnAdminRemains({
              target: user,
              after: { role: "user", status: user.status },
              activeAdminIds: activeAdminIds.filter((id) => pair.includes(id)),
            }),
        });
      const outcomes = await Promise.all([demote(a.id), demote(b.id)]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok)).toMatchObject([{ ok: false, error: "LAST_ADMIN" }]);
      const roles = [(await users.findUserById(a.id))?.role, (await users.findUserById(b.id))?.role];
      expect(roles.sort()).toEqual(["admin", "user"]);
    });

    it("deletes every record of the person and keeps their events only as anonymous facts", async () => {
      const stores = await makeStores();
      const { administration, users } = stores;
      const user = makeUser();
      const other = makeUser({ role: "admin" });
      await users.insertUser(user);
      await users.insertUser(other);
      const session = makeSession(user.id);
      await stores.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      await stores.linkedProviders.linkProvider({
        userId: user.id,
        provider: "github",
        subject: `gh-${testId()}`,
        email: user.email,
        displayName: "Ada",
        linkedAt: t0,
      });
      await stores.twoFactor.savePendingTOTPFactor({ userId: user.id, encryptedSecret: "sealed", now: t0 });
      const tokenId = testId() as EmailTokenId;
      await stores.emailTokens.issueEmailToken(
        createEmailToken({
          id: tokenId,
          userId: user.id,
          purpose: "reset_password",
          secretHash: "h",
          now: t0,
        }),
      );
      await stores.lockout.updateLoginFailures({
        account: user.email,
        sources: ["*"],
        update: () => new Map([["*", { count: 5, windowStartedAt: t0, lockedUntil: at(60_000) }]]),
      });
      await stores.lockout.rememberSignInSources({ userId: user.id, sources: ["ip:203.0.113.7"], now: t0 });
      // Trips to a provider and back: a link names the person and their session, a fresh proof
      // only their session; another person's fresh proof stays.
      const otherSession = makeSession(other.id);
      await stores.sessions.createSession({
        session: otherSession,
        refreshToken: makeRefreshToken(otherSession.id),
      });
      const trip = (overrides: Partial<OAuthAuthorization>): OAuthAuthorization => ({
        stateHash: testId(),
        provider: "github",
        linkUserId: null,
        linkSessionId: null,
        codeChallengeHash: null,
        reauthenticateSessionId: null,
        createdAt: t0,
        expiresAt: at(600_000),
        ...overrides,
      });
      const linkTrip = trip({ linkUserId: user.id, linkSessionId: session.id });
      const proofTrip = trip({ reauthenticateSessionId: session.id });
      const othersProofTrip = trip({ reauthenticateSessionId: otherSession.id });
      for (const saved of [linkTrip, proofTrip, othersProofTrip])
        await stores.oauthFlows.saveAuthorization(saved);
      const own = event(user.id);
      const byStaff = event(user.id, {
        type: "account_disabled",
        actorId: other.id,
        details: { by: "admin" },
      });
      const actedOnOther = event(other.id, {
        type: "account_unlocked",
        actorId: user.id,
        details: { by: "admin" },
      });
      // An action of the person as staff on no other account: they set the status page's notice.
      const noticeSet = event(user.id, {
        type: "maintenance_notice_changed",
        actorId: user.id,
        details: { by: "admin", message: "Upgrade at 22:00" },
      });
      // The admin role `pnpm admin:create` gave the person (no actor).
      const granted = event(user.id, {
        type: "role_changed",
        ip: null,
        userAgent: null,
        details: { role: "admin", previousRole: "user", via: "admin:create" },
      });
      await stores.maintenanceNotices.replace({ message: "Upgrade at 22:00", setAt: t0, setBy: user.id });
      for (const e of [own, byStaff, actedOnOther, noticeSet, granted])
        await stores.securityEvents.recordSecurityEvent(e);
      const pseudonymId = testId() as UserId;

      const deleted = await administration.deleteAccount({ userId: user.id, pseudonymId, guard: allow });

      expect(deleted).toEqual({ ok: true, value: user });
      expect(await users.findUserById(user.id)).toBeNull();
      expect(await users.findUserByEmail(user.email)).toBeNull();
      expect(await stores.sessions.findSession(session.id)).toBeNull();
      expect(await stores.linkedProviders.listLinkedProvidersOfUser(user.id)).toEqual([]);
      expect(await stores.twoFactor.findTOTPFactor(user.id)).toBeNull();
      expect(await stores.emailTokens.findEmailToken(tokenId)).toBeNull();
      expect(await stores.lockout.findLoginFailures({ account: user.email, sources: ["*"] })).toEqual(
        new Map(),
      );
      expect(
        await stores.lockout.findKnownSignInSources({
          userId: user.id,
          sources: ["ip:203.0.113.7"],
          since: t0,
        }),
      ).toEqual([]);
      expect(await stores.securityEvents.listSecurityEventsOfUser({ userId: user.id, limit: 10 })).toEqual(
        [],
      );
      const kept = await stores.securityEvents.listSecurityEventsOfUser({ userId: pseudonymId, limit: 10 });
      expect(kept.map((e) => ({ ...e })).sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
        [
          { ...own, userId: pseudonymId, ip: null, userAgent: null, details: {} },
          // Where the member of staff acted from is theirs, kept for the audit.
          { ...byStaff, userId: pseudonymId, details: {} },
          // Its details say what the action was; without them the audit would read "cleared".
          { ...noticeSet, userId: pseudonymId, actorId: pseudonymId, ip: null, userAgent: null },
          // Its details say who made the admin (the command) and which role: nothing of the person,
          // and the audit lists and describes the grant by them.
          { ...granted, userId: pseudonymId },
        ].sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
      expect((await administration.listStaffActions({ limit: 1000 })).map((e) => e.id)).toContain(granted.id);
      expect(await stores.maintenanceNotices.current()).toEqual({
        message: "Upgrade at 22:00",
        setAt: t0,
        setBy: pseudonymId,
      });
      // What the person did as staff keeps its place in the audit, under the pseudonym, without
      // where they acted from.
      const otherEvents = await stores.securityEvents.listSecurityEventsOfUser({
        userId: other.id,
        limit: 10,
      });
      expect(otherEvents).toEqual([{ ...actedOnOther, actorId: pseudonymId, ip: null, userAgent: null }]);
      for (const gone of [linkTrip, proofTrip]) {
        expect(
          await stores.oauthFlows.consumeAuthorization({ stateHash: gone.stateHash, now: t0 }),
        ).toBeNull();
      }
      expect(
        await stores.oauthFlows.consumeAuthorization({ stateHash: othersProofTrip.stateHash, now: t0 }),
      ).toEqual(othersProofTrip);
      // The address is free again.
      expect(await users.insertUser(makeUser({ email: user.email }))).toEqual({ ok: true, value: undefined });
    });

    it("deletes nothing when the guard refuses, or the account is unknown", async () => {
      const { administration, users } = await makeStores();
      const user = makeUser();
      await users.insertUser(user);
      const refused = await administration.deleteAccount({
        userId: user.id,
        pseudonymId: testId() as UserId,
        guard: () => err("LAST_ADMIN"),
      });
      expect(refused).toMatchObject({ ok: false, error: "LAST_ADMIN" });
      expect(await users.findUserById(user.id)).toEqual(user);
      expect(
        await administration.deleteAccount({
          userId: testId() as UserId,
          pseudonymId: testId() as UserId,
          guard: allow,
        }),
      ).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
    });

    it("answers when the address's latest sign-in lock ends, and null when none holds", async () => {
      const { administration, lockout } = await makeStores();
      const account = `locked-${testId()}@example.com`;
      expect(await administration.findAccountLockedUntil({ account, now: t0 })).toBeNull();
      await lockout.updateLoginFailures({
        account,
        sources: ["*", "ip:1", "ip:2"],
        update: () =>
          new Map([
            ["*", { count: 5, windowStartedAt: t0, lockedUntil: at(60_000) }],
            ["ip:1", { count: 5, windowStartedAt: t0, lockedUntil: at(120_000) }],
            ["ip:2", { count: 1, windowStartedAt: t0, lockedUntil: null }],
          ]),
      });
      expect(await administration.findAccountLockedUntil({ account, now: t0 })).toEqual(at(120_000));
      expect(await administration.findAccountLockedUntil({ account, now: at(120_000) })).toBeNull();
    });

    it("keeps staff reads (a view, a search) in the audit beside the changes, and finds an account's views", async () => {
      const { administration, securityEvents, user, staff: support } = await withUserAndStaff("support");
      const staff = { actorId: support.id, ip: null, userAgent: null };
      // Ids in time order (UUIDv7 in production): the search, then the view, then the unlock.
      const nth = (n: number) => `${"f".repeat(7)}${n}${testId().slice(8)}`;
      const searched = event(support.id, {
        ...staff,
        id: nth(1),
        type: "users_searched",
        details: { query: "u***@example.com", results: 1, by: "support" },
      });
      const viewed = event(user.id, {
        ...staff,
        id: nth(2),
        type: "account_viewed",
        details: { by: "support" },
      });
      const unlocked = event(user.id, {
        ...staff,
        id: nth(3),
        type: "account_unlocked",
        details: { by: "support" },
      });
      for (const recorded of [searched, viewed, unlocked]) await securityEvents.recordSecurityEvent(recorded);

      const listed = await administration.listStaffActions({ limit: 1000 });
      expect(listed.filter((e) => [user.id, support.id].includes(e.userId))).toEqual([
        unlocked,
        viewed,
        searched,
      ]);
      // What folding a repeated view reads: the account's views only.
      expect(
        await securityEvents.listSecurityEventsOfUser({
          userId: user.id,
          limit: 20,
          types: ["account_viewed"],
        }),
      ).toEqual([viewed]);
    });

    it("lists the events staff caused, newest first, and only those", async () => {
      const { administration, securityEvents, user, staff: admin } = await withUserAndStaff("admin");
      const own = event(user.id);
      await securityEvents.recordSecurityEvent(own);
      const actions = [];
      for (const type of ["account_unlocked", "two_factor_reset", "account_disabled"] as const) {
        const action = event(user.id, {
          id: `${"f".repeat(8)}${testId().slice(8)}`,
          type,
          actorId: admin.id,
        });
        actions.push(action);
        await securityEvents.recordSecurityEvent(action);
      }
      const listed = await administration.listStaffActions({ limit: 1000 });
      const mine = listed.filter((e) => e.userId === user.id);
      expect(mine).toEqual([...actions].sort((x, y) => (x.id < y.id ? 1 : -1)));
      const ids = listed.map((e) => e.id);
      expect(ids).toEqual([...ids].sort().reverse());
      const newest = mine[0]?.id ?? "";
      const after = await administration.listStaffActions({ limit: 1000, beforeId: newest });
      expect(after.map((e) => e.id)).not.toContain(newest);
      // Staff actions, and the grants of `pnpm admin:create` (a role given by no actor) beside them.
      expect(after.every((e) => e.id < newest && (e.actorId !== null || e.type === "role_changed"))).toBe(
        true,
      );
    });

    it("lists the admins pnpm admin:create made (no actor) among the staff actions, newest first, a page at a time", async () => {
      const { administration, securityEvents, user, staff: admin } = await withUserAndStaff("admin");
      // Ids newer than any other test's, in this order: staff action, grant, own event, staff action,
      // emptied grant.
      const nth = (n: number) => `ffffffff-fff${n}${testId().slice(13)}`;
      const disabled = event(user.id, { id: nth(1), type: "account_disabled", actorId: admin.id });
      const granted = event(admin.id, {
        id: nth(2),
        type: "role_changed",
        details: { role: "admin", previousRole: "user", via: "admin:create" },
      });
      const own = event(user.id, { id: nth(3) });
      const enabled = event(user.id, { id: nth(4), type: "account_enabled", actorId: admin.id });
      // A deleted account's grant, whose details an older release's deletion emptied: still a role
      // given by no actor, and listed.
      const emptied = event(testId() as UserId, { id: nth(5), type: "role_changed", details: {} });
      for (const recorded of [disabled, granted, own, enabled])
        await securityEvents.recordSecurityEvent(recorded);
      await securityEvents.recordOfDeletedAccount(emptied);

      const firstPage = await administration.listStaffActions({ limit: 2 });
      expect(firstPage).toEqual([emptied, enabled]);
      const secondPage = await administration.listStaffActions({ limit: 2, beforeId: enabled.id });
      expect(secondPage).toEqual([granted, disabled]);
      expect((await administration.listStaffActions({ limit: 1000 })).map((e) => e.id)).not.toContain(own.id);
    });

    it("lists what a member of staff did to other accounts, newest first, a page at a time, and not their own account's entries", async () => {
      const stores = await withUserAndStaff("support");
      const { administration, securityEvents, user, staff } = stores;
      const other = makeUser();
      const otherStaff = makeUser({ role: "admin" });
      for (const u of [other, otherStaff]) await stores.users.insertUser(u);
      const viewed = actionBy(staff, { on: user.id, n: 1, type: "account_viewed" });
      // On their own account: on their own log already.
      const searched = actionBy(staff, { on: staff.id, n: 2, type: "users_searched" });
      const unlocked = actionBy(staff, { on: other.id, n: 3, type: "account_unlocked" });
      // Another member of staff's action, and the person's own event.
      const byOther = actionBy(otherStaff, { on: user.id, n: 4, type: "sessions_revoked" });
      const own = event(user.id, { id: orderedId(5) });
      const reset = actionBy(staff, { on: user.id, n: 6, type: "two_factor_reset" });
      for (const recorded of [viewed, searched, unlocked, byOther, own, reset])
        await securityEvents.recordSecurityEvent(recorded);

      expect(await administration.listActionsBy({ actorId: staff.id, limit: 10 })).toEqual([
        reset,
        unlocked,
        viewed,
      ]);
      const firstPage = await administration.listActionsBy({ actorId: staff.id, limit: 2 });
      expect(firstPage).toEqual([reset, unlocked]);
      expect(
        await administration.listActionsBy({ actorId: staff.id, limit: 2, beforeId: unlocked.id }),
      ).toEqual([viewed]);
      expect(await administration.listActionsBy({ actorId: user.id, limit: 10 })).toEqual([]);
    });

    it("keeps listing what staff did to an account deleted since, and nothing under a deleted member of staff's id", async () => {
      const stores = await withUserAndStaff("admin");
      const { administration, securityEvents, user, staff } = stores;
      const other = makeUser();
      await stores.users.insertUser(other);
      const disabled = actionBy(staff, { on: user.id, n: 1, type: "account_disabled" });
      const verified = actionBy(staff, { on: other.id, n: 2, type: "email_verified" });
      for (const recorded of [disabled, verified]) await securityEvents.recordSecurityEvent(recorded);
      const userPseudonym = testId() as UserId;
      await administration.deleteAccount({ userId: user.id, pseudonymId: userPseudonym, guard: allow });

      // The deleted person's log keeps the member of staff's client on what staff did: still theirs.
      expect(await administration.listActionsBy({ actorId: staff.id, limit: 10 })).toEqual([
        verified,
        { ...disabled, userId: userPseudonym, details: {} },
      ]);

      await administration.deleteAccount({ userId: staff.id, pseudonymId: testId() as UserId, guard: allow });
      expect(await administration.listActionsBy({ actorId: staff.id, limit: 10 })).toEqual([]);
    });
  });
}
