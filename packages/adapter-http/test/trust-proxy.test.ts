import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { TrustProxy } from "../src/index.ts";
import { bearer, buildTestApp, expectError, registerUser, validRegistration } from "./test-app.ts";

// Behind nginx's `$proxy_add_x_forwarded_for` (and cloud load balancers) X-Forwarded-For is
// "<whatever the client sent>, <the address the proxy saw>". Only entries added by our own proxies
// can be believed: the client address is the right-most entry no trusted proxy vouches for.

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(trustProxy: TrustProxy, loginMax = 1000): Promise<FastifyInstance> {
  const { app } = await buildTestApp({
    trustProxy,
    rateLimit: { enabled: true, windowMs: 900_000, loginMax, registerMax: 1000, generalMax: 1000 },
  });
  apps.push(app);
  return app;
}

function logInThrough(
  app: FastifyInstance,
  hop: { remoteAddress: string; forwardedFor?: string },
  password = validRegistration.password,
) {
  return app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { email: validRegistration.email, password },
    remoteAddress: hop.remoteAddress,
    headers: hop.forwardedFor === undefined ? {} : { "x-forwarded-for": hop.forwardedFor },
  });
}

/** Signs in through the given hop and reads back the IP the session recorded (what lockout and rate limits see). */
async function clientAddressSeen(
  trustProxy: TrustProxy,
  hop: { remoteAddress: string; forwardedFor?: string },
): Promise<string | null> {
  const app = await start(trustProxy);
  await registerUser(app);
  const response = await logInThrough(app, hop);
  expect(response.statusCode).toBe(200);
  const sessions = await app.inject({
    method: "GET",
    url: "/api/v1/auth/sessions",
    headers: bearer(response.json().data.accessToken),
  });
  const current = sessions.json().data.sessions.find((s: { current: boolean }) => s.current);
  return current.ip;
}

describe("the client address behind proxies (TRUST_PROXY)", () => {
  it.each<{
    mode: string;
    trustProxy: TrustProxy;
    remoteAddress: string;
    forwardedFor: string;
    seen: string;
  }>([
    {
      mode: "false: the peer, whatever the header says",
      trustProxy: false,
      remoteAddress: "10.0.0.2",
      forwardedFor: "198.51.100.66, 203.0.113.9",
      seen: "10.0.0.2",
    },
    {
      mode: "true: the left-most entry, which the client wrote",
      trustProxy: true,
      remoteAddress: "10.0.0.2",
      forwardedFor: "198.51.100.66, 203.0.113.9",
      seen: "198.51.100.66",
    },
    {
      mode: "1 hop: the entry our one proxy appended",
      trustProxy: 1,
      remoteAddress: "10.0.0.2",
      forwardedFor: "198.51.100.66, 203.0.113.9",
      seen: "203.0.113.9",
    },
    {
      mode: "2 hops: the entry the outer of our two proxies appended",
      trustProxy: 2,
      remoteAddress: "10.0.0.2",
      forwardedFor: "198.51.100.66, 203.0.113.9, 10.0.0.7",
      seen: "203.0.113.9",
    },
    {
      mode: "an address list: the right-most entry outside it",
      trustProxy: ["10.0.0.0/8", "192.0.2.10"],
      remoteAddress: "10.0.0.2",
      forwardedFor: "198.51.100.66, 203.0.113.9, 192.0.2.10, 10.1.2.3",
      seen: "203.0.113.9",
    },
    {
      mode: "an address list with IPv6 ranges",
      trustProxy: ["fd00::/8", "2001:db8:ffff::1"],
      remoteAddress: "fd00::2",
      forwardedFor: "2001:db8::66, 2001:db8::9, 2001:db8:ffff::1",
      seen: "2001:db8::9",
    },
    {
      mode: "an address list: a peer outside it is the client, the header ignored",
      trustProxy: ["10.0.0.0/8"],
      remoteAddress: "203.0.113.50",
      forwardedFor: "198.51.100.66",
      seen: "203.0.113.50",
    },
  ])("$mode", async ({ trustProxy, remoteAddress, forwardedFor, seen }) => {
    expect(await clientAddressSeen(trustProxy, { remoteAddress, forwardedFor })).toBe(seen);
  });

  it.each<TrustProxy>([1, ["10.0.0.0/8"]])(
    "a client that changes the left-most entry on every try keeps one login budget (%j)",
    async (trustProxy) => {
      const app = await start(trustProxy, 3);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await logInThrough(
          app,
          { remoteAddress: "10.0.0.2", forwardedFor: `198.51.100.${i + 1}, 203.0.113.9` },
          "Wr0ng-secret!",
        );
        statuses.push(response.statusCode);
        if (i === 3) expectError(response, "RATE_LIMIT_EXCEEDED", 429);
      }

      expect(statuses).toStrictEqual([401, 401, 401, 429]);
      const otherClient = await logInThrough(app, {
        remoteAddress: "10.0.0.2",
        forwardedFor: "203.0.113.10",
      });
      expect(otherClient.statusCode).toBe(401);
    },
  );

  it.each<TrustProxy>([1, ["10.0.0.0/8"]])(
    "an attacker who writes the owner's address on the left locks only their own address (%j)",
    async (trustProxy) => {
      const app = await start(trustProxy);
      await registerUser(app);
      const owner = { remoteAddress: "10.0.0.2", forwardedFor: "198.51.100.7" };
      expect((await logInThrough(app, owner)).statusCode).toBe(200);

      const attacker = { remoteAddress: "10.0.0.2", forwardedFor: "198.51.100.7, 203.0.113.9" };
      for (let i = 0; i < 5; i++) {
        expectError(
          await logInThrough(app, attacker, "Wr0ng-secret!"),
          i < 4 ? "INVALID_CREDENTIALS" : "ACCOUNT_LOCKED",
          i < 4 ? 401 : 423,
        );
      }

      expectError(await logInThrough(app, attacker), "ACCOUNT_LOCKED", 423);
      // Had the spoofed entry been the source, the owner's known address would now be locked.
      expect((await logInThrough(app, owner)).statusCode).toBe(200);
    },
  );
});
