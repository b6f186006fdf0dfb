import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// Sign-in attempts a lock refuses are in the account's security log (docs/account-security.md,
// "Lockout"): an incident responder sees the attempts made during a lockout, not only that it
// started; folded, so an attacker's unbounded attempts cannot grow the log without bound.

const database = useTestDatabase();
let service: Service;
const password = "Integr4tion-pass!";
const email = "refused@example.com";
let accessToken: string;

beforeAll(async () => {
  service = await composeService(
    integrationTestConfig({ DATABASE_URL: database.url(), LOCKOUT_THRESHOLD: "2" }),
    undefined,
  );
  const registered = await service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password, nickname: "refused" },
  });
  expect(registered.statusCode).toBe(201);
  accessToken = registered.json().data.accessToken;
});
afterAll(() => service?.close());

const logIn = (address: string, from: string) =>
  service.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    remoteAddress: from,
    payload: { email: address, password: "Wrong-pass-1!" },
  });

async function entries(): Promise<{ type: string; ip: string | null }[]> {
  const response = await service.app.inject({
    url: "/api/v1/user/security-events?limit=100",
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(response.statusCode).toBe(200);
  return response.json().data.events;
}

describe("sign-in attempts refused by a lock", () => {
  it("are recorded as login_refused_locked, one per address within 15 minutes and at most 5, however many come", async () => {
    expect((await logIn(email, "203.0.113.1")).statusCode).toBe(401);
    expect((await logIn(email, "203.0.113.1")).statusCode).toBe(423);
    // 10 more from the locking address, then 3 each from 7 others (the account-wide lock holds them),
    // each batch at once: the background queue records several at a time, and the fold holds anyway.
    const refusedAtOnce = async (from: string, count: number) => {
      const answers = await Promise.all(Array.from({ length: count }, () => logIn(email, from)));
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(count).fill(423));
    };
    await refusedAtOnce("203.0.113.1", 10);
    for (let n = 2; n <= 8; n++) await refusedAtOnce(`203.0.113.${n}`, 3);
    // Recorded after the answer: wait for the queue.
    let refused: { type: string; ip: string | null }[] = [];
    for (let tries = 0; tries < 40 && refused.length < 5; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refused = (await entries()).filter((event) => event.type === "login_refused_locked");
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    refused = (await entries()).filter((event) => event.type === "login_refused_locked");
    expect(refused.map((event) => event.ip).sort()).toEqual([
      "203.0.113.1",
      "203.0.113.2",
      "203.0.113.3",
      "203.0.113.4",
      "203.0.113.5",
    ]);
    expect((await entries()).filter((event) => event.type === "account_locked")).toHaveLength(1);
  });

  it("answer an address without an account the same 423", async () => {
    const unknown = "nobody-refused@example.com";
    expect((await logIn(unknown, "198.51.100.1")).statusCode).toBe(401);
    const locked = await logIn(unknown, "198.51.100.1");
    expect(locked.statusCode).toBe(423);
    expect(locked.json()).toMatchObject({ success: false, error: "ACCOUNT_LOCKED" });
  });
});
