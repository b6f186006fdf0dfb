import type { Email, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { makeUser } from "../../testing/fixtures.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { unwrap } from "../../testing/use-case-helpers.ts";
import { listSecurityEvents } from "./list-security-events.ts";
import { recordSecurityEvent } from "./steps/record-security-event.ts";

const userId = "00000000-0000-7000-8000-0000000000a1" as UserId;
const otherId = "00000000-0000-7000-8000-0000000000b2" as UserId;

async function withEvents(count: number) {
  const deps = createInMemoryDependencies();
  // Entries are written only while their account exists.
  for (const id of [userId, otherId])
    await deps.users.insertUser(makeUser({ id, email: `${id}@example.com` as Email }));
  for (let i = 0; i < count; i++) {
    await recordSecurityEvent(deps, { userId, type: "login_succeeded", details: { n: i } });
    await recordSecurityEvent(deps, { userId: otherId, type: "login_failed" });
    deps.clock.advance(1000);
  }
  return deps;
}

describe("listSecurityEvents", () => {
  it("gives 20 of the user's events by default, newest first, and a cursor to the next page", async () => {
    const deps = await withEvents(25);
    const page = unwrap(await listSecurityEvents(deps, { userId }));
    expect(page.events).toHaveLength(20);
    expect(page.events.map((e) => e.details.n)).toEqual(Array.from({ length: 20 }, (_, i) => 24 - i));
    expect(page.events.every((e) => e.userId === userId)).toBe(true);
    expect(page.nextBefore).toBe(page.events.at(-1)?.id);
  });

  it("continues after the cursor and answers nextBefore null on the last page", async () => {
    const deps = await withEvents(25);
    const first = unwrap(await listSecurityEvents(deps, { userId }));
    const second = unwrap(await listSecurityEvents(deps, { userId, before: first.nextBefore ?? "" }));
    expect(second.events.map((e) => e.details.n)).toEqual([4, 3, 2, 1, 0]);
    expect(second.nextBefore).toBeNull();
  });

  it("answers nextBefore null when the page ends exactly at the last event", async () => {
    const deps = await withEvents(5);
    const page = unwrap(await listSecurityEvents(deps, { userId, limit: 5 }));
    expect(page.events).toHaveLength(5);
    expect(page.nextBefore).toBeNull();
  });

  it("accepts limits from 1 to 100", async () => {
    const deps = await withEvents(3);
    expect(unwrap(await listSecurityEvents(deps, { userId, limit: 1 })).events).toHaveLength(1);
    expect(unwrap(await listSecurityEvents(deps, { userId, limit: 100 })).events).toHaveLength(3);
  });

  it.each([0, 101, 2.5, -1])("refuses limit %s with VALIDATION_ERROR", async (limit) => {
    const deps = await withEvents(1);
    expect(await listSecurityEvents(deps, { userId, limit })).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
    });
  });
});
