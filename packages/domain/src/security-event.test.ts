import { describe, expect, it } from "vitest";
import { asSeenByHolder, type SecurityEvent } from "./security-event.ts";
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

  it("keeps the holder's own client: their own events, and what they did as staff on their own account", () => {
    const own = event({ type: "login_succeeded", actorId: null, details: {} });
    expect(asSeenByHolder(own)).toBe(own);
    const notice = event({ type: "maintenance_notice_changed", actorId: holder });
    expect(asSeenByHolder(notice)).toBe(notice);
  });
});
