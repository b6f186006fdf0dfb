import type { SecurityEvent, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { SecurityEventLog, UserRepository } from "../ports/index.ts";
import { at, makeUser, testId } from "./fixtures.ts";

/** The behaviour every SecurityEventLog must have. */
export function securityEventLogContract(
  name: string,
  makeStores: () => Promise<{ events: SecurityEventLog; users: UserRepository }>,
): void {
  async function withUser() {
    const stores = await makeStores();
    const user = makeUser();
    await stores.users.insertUser(user);
    return { ...stores, userId: user.id };
  }
  // Ids increase with each call, as UUIDv7 ids do over time.
  let counter = 0;
  const event = (userId: UserId, overrides: Partial<SecurityEvent> = {}): SecurityEvent => {
    counter++;
    return {
      id: `0190a000-0000-7000-8000-${counter.toString(16).padStart(12, "0")}`,
      userId,
      type: "login_succeeded",
      occurredAt: at(counter * 1000),
      ip: "127.0.0.1",
      userAgent: "vitest",
      actorId: null,
      details: { method: "password" },
      ...overrides,
    };
  };

  describe(`SecurityEventLog contract: ${name}`, () => {
    it("returns recorded events of a user, newest first, field for field", async () => {
      const { events, userId } = await withUser();
      const first = event(userId, {
        type: "login_failed",
        details: { method: "password", attempt: 1, fresh: true },
      });
      const second = event(userId, { type: "password_changed", ip: null, userAgent: null, details: {} });
      await events.recordSecurityEvent(first);
      await events.recordSecurityEvent(second);
      expect(await events.listSecurityEventsOfUser({ userId, limit: 10 })).toEqual([second, first]);
    });

    it("pages with a limit and the last id seen", async () => {
      const { events, userId } = await withUser();
      const all = [event(userId), event(userId), event(userId), event(userId), event(userId)];
      for (const e of all) await events.recordSecurityEvent(e);
      const page1 = await events.listSecurityEventsOfUser({ userId, limit: 2 });
      expect(page1.map((e) => e.id)).toEqual([all[4]?.id, all[3]?.id]);
      const page2 = await events.listSecurityEventsOfUser({ userId, limit: 2, beforeId: page1[1]?.id ?? "" });
      expect(page2.map((e) => e.id)).toEqual([all[2]?.id, all[1]?.id]);
      const page3 = await events.listSecurityEventsOfUser({ userId, limit: 2, beforeId: page2[1]?.id ?? "" });
      expect(page3.map((e) => e.id)).toEqual([all[0]?.id]);
    });

    it("lists only the types asked for, newest first, within the limit", async () => {
      const { events, userId } = await withUser();
      const changed = event(userId, { type: "password_changed", details: {} });
      const signedIn = event(userId);
      const enabled = event(userId, { type: "two_factor_enabled", details: {} });
      const again = event(userId, { type: "password_changed", details: {} });
      for (const e of [changed, signedIn, enabled, again]) await events.recordSecurityEvent(e);
      const types = ["password_changed", "two_factor_enabled"] as const;
      expect(await events.listSecurityEventsOfUser({ userId, limit: 10, types })).toEqual([
        again,
        enabled,
        changed,
      ]);
      expect(await events.listSecurityEventsOfUser({ userId, limit: 2, types })).toEqual([again, enabled]);
      expect(await events.listSecurityEventsOfUser({ userId, limit: 10, types: [] })).toEqual([]);
    });

    it("records a member of staff's reads up to their allowance, counting only their reads within it", async () => {
      const { events, users, userId: staffId } = await withUser();
      const target = makeUser();
      const otherStaff = makeUser();
      for (const user of [target, otherStaff]) await users.insertUser(user);
      const read = (overrides: Partial<SecurityEvent>) =>
        event(target.id, {
          type: "account_viewed",
          actorId: staffId,
          details: { by: "support" },
          ...overrides,
        });
      // Not counted: a read before the window, a change by the same member of staff, another's read,
      // and the staff member's own sign-in.
      for (const uncounted of [
        read({ occurredAt: at(-1) }),
        read({ type: "sessions_revoked", occurredAt: at(5) }),
        read({ actorId: otherStaff.id, occurredAt: at(6) }),
        event(staffId, { occurredAt: at(7) }),
      ])
        await events.recordSecurityEvent(uncounted);
      const allowance = { since: at(0), max: 2 };
      const first = read({ occurredAt: at(10) });
      const second = event(staffId, {
        type: "users_searched",
        actorId: staffId,
        occurredAt: at(20),
        details: { query: "ada", results: 1, by: "support" },
      });
      expect(await events.recordStaffEntry(first, allowance)).toEqual({ recorded: true });
      expect(await events.recordStaffEntry(second, allowance)).toEqual({ recorded: true });
      const third = read({ occurredAt: at(30) });
      expect(await events.recordStaffEntry(third, allowance)).toEqual({ recorded: false, oldest: at(10) });
      const targetLog = await events.listSecurityEventsOfUser({ userId: target.id, limit: 10 });
      expect(targetLog.map((e) => e.id)).toContain(first.id);
      expect(targetLog.map((e) => e.id)).not.toContain(third.id);
      expect((await events.listSecurityEventsOfUser({ userId: staffId, limit: 1 }))[0]).toEqual(second);
      // Another member of staff has an allowance of their own.
      expect(
        await events.recordStaffEntry(read({ actorId: otherStaff.id, occurredAt: at(40) }), allowance),
      ).toEqual({
        recorded: true,
      });
    });

    it("of reads at once past the allowance, exactly as many as it has left are recorded", async () => {
      const { events, userId: staffId } = await withUser();
      const search = (offset: number) =>
        event(staffId, {
          type: "users_searched",
          actorId: staffId,
          occurredAt: at(offset),
          details: { query: "", results: 20, nextPage: true, by: "admin" },
        });
      const allowance = { since: at(0), max: 3 };
      expect(await events.recordStaffEntry(search(1), allowance)).toEqual({ recorded: true });
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => events.recordStaffEntry(search(100 + i), allowance)),
      );
      expect(outcomes.filter((o) => o.recorded)).toHaveLength(2);
      expect(outcomes.filter((o) => !o.recorded)).toEqual(Array(6).fill({ recorded: false, oldest: at(1) }));
      const recorded = await events.listSecurityEventsOfUser({
        userId: staffId,
        limit: 20,
        types: ["users_searched"],
      });
      expect(recorded).toHaveLength(3);
    });

    it("counts a member of staff's mailed links apart from their reads, and not the person's own requests", async () => {
      const { events, users, userId: staffId } = await withUser();
      const target = makeUser();
      await users.insertUser(target);
      const mailed = (overrides: Partial<SecurityEvent>) =>
        event(target.id, {
          type: "password_reset_requested",
          actorId: staffId,
          details: { by: "support" },
          ...overrides,
        });
      // Not counted: the person's own request (no actor), a read by the same member of staff.
      await events.recordSecurityEvent(mailed({ actorId: null, details: {}, occurredAt: at(5) }));
      const allowance = { since: at(0), max: 2 };
      expect(
        await events.recordStaffEntry(
          event(target.id, { type: "account_viewed", actorId: staffId, occurredAt: at(6), details: {} }),
          allowance,
        ),
      ).toEqual({ recorded: true });
      const first = mailed({ occurredAt: at(10) });
      const second = mailed({ type: "verification_resent", occurredAt: at(20) });
      expect(await events.recordStaffEntry(first, allowance)).toEqual({ recorded: true });
      expect(await events.recordStaffEntry(second, allowance)).toEqual({ recorded: true });
      expect(await events.recordStaffEntry(mailed({ occurredAt: at(30) }), allowance)).toEqual({
        recorded: false,
        oldest: at(10),
      });
      // Reads have their own count: the two mails did not spend it.
      expect(
        await events.recordStaffEntry(
          event(staffId, {
            type: "users_searched",
            actorId: staffId,
            occurredAt: at(40),
            details: { query: "", results: 1 },
          }),
          allowance,
        ),
      ).toEqual({ recorded: true });
    });

    it("of mailed links at once, exactly as many as the allowance has left run their step and are recorded; a step answering false records nothing", async () => {
      const { events, users, userId: staffId } = await withUser();
      const target = makeUser();
      await users.insertUser(target);
      const mailed = (offset: number) =>
        event(target.id, {
          type: "verification_resent",
          actorId: staffId,
          occurredAt: at(offset),
          details: { by: "admin" },
        });
      const allowance = { since: at(0), max: 3 };
      expect(await events.recordStaffEntry(mailed(1), allowance)).toEqual({ recorded: true });
      let steps = 0;
      // The step (a link's issue) yields before it answers: the lock must be held across it.
      const step = async () => {
        for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
        steps++;
        return true;
      };
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          events.recordStaffEntry(mailed(100 + i), allowance, undefined, step),
        ),
      );
      expect(outcomes.filter((o) => o.recorded)).toHaveLength(2);
      expect(outcomes.filter((o) => !o.recorded)).toEqual(Array(6).fill({ recorded: false, oldest: at(1) }));
      expect(steps).toBe(2);
      const withheld = mailed(200);
      const roomy = { since: at(0), max: 10 };
      expect(await events.recordStaffEntry(withheld, roomy, undefined, async () => false)).toEqual({
        recorded: false,
        withheld: true,
      });
      const log = await events.listSecurityEventsOfUser({
        userId: target.id,
        limit: 20,
        types: ["verification_resent"],
      });
      expect(log).toHaveLength(3);
      expect(log.map((e) => e.id)).not.toContain(withheld.id);
    });

    it("a staff read its fold does not admit is neither recorded nor counted; of the same read at once exactly one is", async () => {
      const { events, users, userId: staffId } = await withUser();
      const target = makeUser();
      const other = makeUser();
      for (const user of [target, other]) await users.insertUser(user);
      const view = (userId: UserId, offset: number) =>
        event(userId, {
          type: "account_viewed",
          actorId: staffId,
          occurredAt: at(offset),
          details: { by: "support" },
        });
      const seen: number[] = [];
      // Admits a view of an account this member of staff has not viewed yet (the latest 5 read).
      const fold = {
        types: ["account_viewed"] as const,
        limit: 5,
        admits: (recent: readonly SecurityEvent[]) => {
          seen.push(recent.length);
          return !recent.some((entry) => entry.actorId === staffId);
        },
      };
      const allowance = { since: at(0), max: 2 };
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () => events.recordStaffEntry(view(target.id, 10), allowance, fold)),
      );
      expect(outcomes.filter((outcome) => outcome.recorded)).toHaveLength(1);
      expect(outcomes.filter((outcome) => !outcome.recorded)).toEqual(
        Array(5).fill({ recorded: false, folded: true }),
      );
      expect(seen.length).toBeGreaterThanOrEqual(6);
      // The folded five were not counted: the allowance of 2 has one read left, for another account.
      expect(await events.recordStaffEntry(view(other.id, 20), allowance, fold)).toEqual({ recorded: true });
      expect(await events.recordStaffEntry(view(other.id, 21), allowance)).toEqual({
        recorded: false,
        oldest: at(10),
      });
      const recorded = await events.listSecurityEventsOfUser({ userId: target.id, limit: 20 });
      expect(recorded).toHaveLength(1);
    });

    it("writes nothing under the id of an account that is gone (deleted after the record was queued)", async () => {
      const { events, userId: staffId } = await withUser();
      const gone = makeUser().id; // never stored: as a deleted account's row
      const admitAll = { types: ["login_refused_locked"] as const, limit: 5, admits: () => true };
      expect(
        await events.recordFolded(
          event(gone, { type: "login_refused_locked", ip: "203.0.113.7", details: {} }),
          admitAll,
        ),
      ).toBe(false);
      // A plain entry neither (a wrong password typed while the account was deleted).
      await events.recordSecurityEvent(event(gone, { type: "login_failed", ip: "203.0.113.7" }));
      const view = event(gone, { type: "account_viewed", actorId: staffId, details: { by: "support" } });
      expect(await events.recordStaffEntry(view, { since: at(0), max: 5 })).toEqual({
        recorded: false,
        gone: true,
      });
      // A searcher whose own account is gone records nothing either.
      const search = event(gone, {
        type: "users_searched",
        actorId: gone,
        details: { query: "", results: 0, by: "admin" },
      });
      expect(await events.recordStaffEntry(search, { since: at(0), max: 5 })).toEqual({
        recorded: false,
        gone: true,
      });
      expect(await events.listSecurityEventsOfUser({ userId: gone, limit: 20 })).toEqual([]);
      expect(await events.listSecurityEventsOfUser({ userId: staffId, limit: 20 })).toEqual([]);
    });

    it("a staff read its fold does not admit is folded even when the allowance is spent", async () => {
      const { events, users, userId: staffId } = await withUser();
      const target = makeUser();
      await users.insertUser(target);
      const view = () =>
        event(target.id, {
          type: "account_viewed",
          actorId: staffId,
          occurredAt: at(10),
          details: { by: "support" },
        });
      const fold = {
        types: ["account_viewed"] as const,
        limit: 5,
        admits: (recent: readonly SecurityEvent[]) => !recent.some((entry) => entry.actorId === staffId),
      };
      const allowance = { since: at(0), max: 1 };
      expect(await events.recordStaffEntry(view(), allowance, fold)).toEqual({ recorded: true });
      // The allowance is spent now, and the same view again is folded, not refused.
      expect(await events.recordStaffEntry(view(), allowance, fold)).toEqual({
        recorded: false,
        folded: true,
      });
      expect(await events.recordStaffEntry(view(), allowance)).toEqual({ recorded: false, oldest: at(10) });
    });

    it("records a folded entry when its fold admits the user's latest entries of its types, and says whether", async () => {
      const { events, userId } = await withUser();
      await events.recordSecurityEvent(event(userId, { type: "login_failed", ip: "203.0.113.9" }));
      const seen: (string | null)[][] = [];
      // Admits an address not among the latest two entries of the type (a fold's shape).
      const fold = (ip: string) => ({
        types: ["login_refused_locked"] as const,
        limit: 2,
        admits: (recent: readonly SecurityEvent[]) => {
          seen.push(recent.map((entry) => entry.ip));
          return !recent.some((entry) => entry.ip === ip);
        },
      });
      const refused = (ip: string) => event(userId, { type: "login_refused_locked", ip, details: {} });
      expect(await events.recordFolded(refused("198.51.100.1"), fold("198.51.100.1"))).toBe(true);
      expect(await events.recordFolded(refused("198.51.100.1"), fold("198.51.100.1"))).toBe(false);
      expect(await events.recordFolded(refused("198.51.100.2"), fold("198.51.100.2"))).toBe(true);
      expect(await events.recordFolded(refused("198.51.100.3"), fold("198.51.100.3"))).toBe(true);
      // The first address has left the latest two: admitted again.
      expect(await events.recordFolded(refused("198.51.100.1"), fold("198.51.100.1"))).toBe(true);
      // Newest first, only the fold's types, at most its limit.
      expect(seen).toEqual([
        [],
        ["198.51.100.1"],
        ["198.51.100.1"],
        ["198.51.100.2", "198.51.100.1"],
        ["198.51.100.3", "198.51.100.2"],
      ]);
      const recorded = await events.listSecurityEventsOfUser({ userId, limit: 20 });
      expect(recorded.map((entry) => [entry.type, entry.ip])).toEqual([
        ["login_refused_locked", "198.51.100.1"],
        ["login_refused_locked", "198.51.100.3"],
        ["login_refused_locked", "198.51.100.2"],
        ["login_refused_locked", "198.51.100.1"],
        ["login_failed", "203.0.113.9"],
      ]);
    });

    it("records a deletion's entry under its pseudonym, which has no account row", async () => {
      const { events } = await withUser();
      const pseudonym = makeUser().id; // never stored
      const deleted = event(pseudonym, { type: "account_deleted", ip: null, userAgent: null, details: {} });
      await events.recordOfDeletedAccount(deleted);
      expect(await events.listSecurityEventsOfUser({ userId: pseudonym, limit: 20 })).toEqual([deleted]);
    });

    it("of folded records at once, each sees those before it: exactly as many are recorded as the fold admits", async () => {
      const { events, userId } = await withUser();
      const fold = (ip: string) => ({
        types: ["login_refused_locked"] as const,
        limit: 3,
        admits: (recent: readonly SecurityEvent[]) =>
          recent.length < 3 && !recent.some((entry) => entry.ip === ip),
      });
      // Twelve at once from four addresses, three each: one per address, three in all.
      const ips = Array.from({ length: 12 }, (_, i) => `198.51.100.${(i % 4) + 1}`);
      const outcomes = await Promise.all(
        ips.map((ip) =>
          events.recordFolded(event(userId, { type: "login_refused_locked", ip, details: {} }), fold(ip)),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(3);
      const recorded = await events.listSecurityEventsOfUser({ userId, limit: 20 });
      expect(recorded).toHaveLength(3);
      expect(new Set(recorded.map((entry) => entry.ip)).size).toBe(3);
    });

    it("never shows one user's events to another", async () => {
      const { events, users, userId } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      await events.recordSecurityEvent(event(userId));
      expect(await events.listSecurityEventsOfUser({ userId: other.id, limit: 10 })).toEqual([]);
      expect(await events.listSecurityEventsOfUser({ userId: testId() as UserId, limit: 10 })).toEqual([]);
    });
  });
}
