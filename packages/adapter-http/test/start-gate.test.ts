import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError } from "./test-app.ts";

// The start gate (migrations pending, ADR 0046): a 503 for everything but the service's reports,
// until the gate first opens; then it is not asked again.

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe("the start gate", () => {
  it("answers 503 with Retry-After until open, lets /health, /ready and /status through, then asks no more", async () => {
    let reason: string | null = "2 migration(s) pending: run pnpm db:migrate";
    let asked = 0;
    const { app } = await buildTestApp({
      startGate: async () => {
        asked += 1;
        return reason;
      },
    });
    apps.push(app);
    const held = await app.inject({ method: "GET", url: "/api/v1/oauth/providers" });
    expectError(held, "SERVICE_UNAVAILABLE", 503);
    expect(held.json().message).toBe("Not ready: 2 migration(s) pending: run pnpm db:migrate");
    expect(held.headers["retry-after"]).toBe("5");
    for (const url of ["/health", "/ready", "/status.json"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).not.toBe(503);
    }
    const askedBefore = asked;
    reason = null;
    expect((await app.inject({ method: "GET", url: "/api/v1/oauth/providers" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/api/v1/oauth/providers" })).statusCode).toBe(200);
    expect(asked).toBe(askedBefore + 1);
  });
});
