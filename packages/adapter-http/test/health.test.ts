import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError } from "./test-app.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(checkReadiness: () => Promise<boolean>): Promise<FastifyInstance> {
  ({ app } = await buildTestApp({ checkReadiness }));
  return app;
}

describe("GET /health", () => {
  it("answers 200 with status ok", async () => {
    const response = await (await start(async () => true)).inject({ method: "GET", url: "/health" });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { status: "ok" } });
  });

  it("answers 200 even when the database is not reachable (liveness is not readiness)", async () => {
    const response = await (await start(async () => false)).inject({ method: "GET", url: "/health" });

    expect(response.statusCode).toBe(200);
  });
});

describe("GET /ready", () => {
  it("answers 200 when the readiness check resolves true", async () => {
    const response = await (await start(async () => true)).inject({ method: "GET", url: "/ready" });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { database: "ok" } });
  });

  it("answers SERVICE_UNAVAILABLE 503 when the readiness check resolves false", async () => {
    const response = await (await start(async () => false)).inject({ method: "GET", url: "/ready" });

    expectError(response, "SERVICE_UNAVAILABLE", 503);
  });

  it("answers SERVICE_UNAVAILABLE 503 without the details when the readiness check throws", async () => {
    const response = await (
      await start(async () => {
        throw new Error("SECRET_DB_DETAIL: ECONNREFUSED 10.1.2.3:3306");
      })
    ).inject({ method: "GET", url: "/ready" });

    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.body).not.toContain("SECRET_DB_DETAIL");
  });

  it("asks the readiness check again on every request", async () => {
    let ready = false;
    const probed = await start(async () => ready);
    expect((await probed.inject({ method: "GET", url: "/ready" })).statusCode).toBe(503);

    ready = true;

    expect((await probed.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
  });
});
