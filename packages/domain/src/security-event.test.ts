import { describe, expect, it } from "vitest";
import {
  asSeenByHolder,
  asSeenInAuditBy,
  isAuditEntry,
  recordsRefusedSignIn,
  type SecurityEvent,
} from "./security-event.ts";
import type { UserId } from "./user.ts";

const holder = "holder-1" as UserId;
const event = (overrides: Partial<SecurityEvent>): SecurityEvent => ({
  id: "event-1",
  userId: holder,
  type: "account_disabled",
  occurredAt: new Date("2026-12-03T12:00:00.000Z"),
  ip: "198.51.100.23",
  userAgent: "Staff Browser/2.0",
  actorId: "staff-1" as UserId,
  details: { by: "admin" },
  ...overrides,
});

describe("asSeenByHolder", () => {
  it("hides a member of staff's address and browser from the account they acted on, and keeps the rest", () => {
    expect(asSeenByHolder(event({}))).toEqual(event({ ip: null, userAgent: null }));
  });

  it("hides the reason a member of staff gave (their words, maybe internal notes), keeping the other details", () => {
    const disabled = event({ details: { by: "admin", staffReason: "Chargeback fraud, ticket 4127" } });
    expect(asSeenByHolder(disabled)).toEqual(event({ ip: null, userAgent: null, details: { by: "admin" } }));
    const fromNowhere = event({ ip: null, userAgent: null, details: { by: "admin", staffReason: "Spam" } });
    expect(asSeenByHolder(fromNowhere).details).toEqual({ by: "admin" });
  });

  it("keeps the holder's own client: their own events, and what they did as staff on their own account", () => {
    const own = event({ type: "login_succeeded", actorId: null, details: {} });
    expect(asSeenByHolder(own)).toBe(own);
    const notice = event({ type: "maintenance_notice_changed", actorId: holder });
    expect(asSeenByHolder(notice)).toBe(notice);
    // An admin who disabled their own account (another admin remains) wrote the reason themselves.
    const ownDisable = event({ actorId: holder, details: { by: "admin", staffReason: "Leaving the team" } });
    expect(asSeenByHolder(ownDisable)).toBe(ownDisable);
  });
});

describe("asSeenInAuditBy", () => {
  const reason = { by: "admin", staffReason: "Chargeback fraud, ticket 4127" };

  it("withholds the reason another member of staff gave about the reader's own account, saying so; the client stays", () => {
    expect(asSeenInAuditBy(event({ details: reason }), holder)).toEqual(
      event({ details: { by: "admin", staffReasonWithheld: true } }),
    );
  });

  it("leaves every other entry as it is: another account's, the reader's own words, one with no reason", () => {
    const others = event({ details: reason });
    expect(asSeenInAuditBy(others, "staff-2" as UserId)).toBe(others);
    const ownDisable = event({ actorId: holder, details: { by: "admin", staffReason: "Leaving the team" } });
    expect(asSeenInAuditBy(ownDisable, holder)).toBe(ownDisable);
    const noReason = event({});
    expect(asSeenInAuditBy(noReason, holder)).toBe(noReason);
    const serverGrant = event({ type: "role_changed", actorId: null, details: { role: "admin" } });
    expect(asSeenInAuditBy(serverGrant, holder)).toBe(serverGrant);
  });
});

describe("recordsRefusedSignIn", () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 11, 4, 12, minutes));
  const refused = (ip: string, minutes: number): SecurityEvent => ({
    id: `e-${ip}-${minutes}`,
    userId: "u1" as UserId,
    type: "login_refused_locked",
    occurredAt: at(minutes),
    ip,
    userAgent: null,
    actorId: null,
    details: {},
  });

  it("records the first refusal from an address, and not another from it within 15 minutes", () => {
    expect(recordsRefusedSignIn([], { ip: "203.0.113.1", now: at(0) })).toBe(true);
    expect(recordsRefusedSignIn([refused("203.0.113.1", 0)], { ip: "203.0.113.1", now: at(14) })).toBe(false);
    expect(recordsRefusedSignIn([refused("203.0.113.1", 0)], { ip: "203.0.113.1", now: at(15) })).toBe(true);
    expect(recordsRefusedSignIn([refused("203.0.113.1", 0)], { ip: "203.0.113.2", now: at(1) })).toBe(true);
  });

  it("records at most 5 within 15 minutes, whatever the addresses", () => {
    const five = [1, 2, 3, 4, 5].map((n) => refused(`203.0.113.${n}`, n));
    expect(recordsRefusedSignIn(five, { ip: "203.0.113.9", now: at(6) })).toBe(false);
    expect(recordsRefusedSignIn(five, { ip: "203.0.113.9", now: at(17) })).toBe(true);
  });
});

describe("isAuditEntry", () => {
  it("lists what staff did and the admins pnpm admin:create made (a role given with no actor), nothing else", () => {
    expect(isAuditEntry({ type: "role_changed", actorId: null })).toBe(true);
    expect(isAuditEntry({ type: "account_disabled", actorId: "staff" as UserId })).toBe(true);
    expect(isAuditEntry({ type: "account_deleted", actorId: null })).toBe(false);
    expect(isAuditEntry({ type: "login_succeeded", actorId: null })).toBe(false);
  });
});
