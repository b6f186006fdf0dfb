import type { UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpAppOptions } from "../src/index.ts";
import { buildTestApp, expectError, recordingLogger } from "./test-app.ts";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function failingLogIn(useCases: UseCases): UseCases {
  return {
    ...useCases,
    logInWithPassword: async () => {
      throw new Error("the database said something internal");
    },
  };
}

async function start(options: Partial<HttpAppOptions> & { replaceUseCases?: (u: UseCases) => UseCases }) {
  const { app } = await buildTestApp(options);
  apps.push(app);
  return app;
}

describe("X-Request-Id", () => {
  it("every response carries a generated id, a new one per request, 404s and refusals too", async () => {
    const app = await start({ trustProxy: false });
    const health = await app.inject({ method: "GET", url: "/health" });
    const again = await app.inject({ method: "GET", url: "/health" });
    const missing = await app.inject({ method: "GET", url: "/no/such/route" });
    const invalid = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: {} });
    for (const response of [health, again, missing, invalid])
      expect(response.headers["x-request-id"]).toMatch(uuid);
    expect(health.headers["x-request-id"]).not.toBe(again.headers["x-request-id"]);
  });

  it("the router's own refusals (a malformed percent-encoding, an over-long parameter) carry it too", async () => {
    const app = await start({ trustProxy: false });
    for (const [method, url] of [
      ["GET", "/%%"],
      ["GET", "/api/v1/%E0%A4%A"],
      ["DELETE", `/api/v1/auth/sessions/${"a".repeat(200)}`],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers["x-request-id"], url).toMatch(uuid);
      expect(response.headers["cache-control"], url).toBe("no-store");
    }
  });

  it("takes a well-formed id from a trusted proxy (address list)", async () => {
    const app = await start({ trustProxy: ["10.0.0.0/8"] });
    const response = await app.inject({
      method: "GET",
      url: "/health",
      remoteAddress: "10.1.2.3",
      headers: { "x-request-id": "edge-7f3a.91:b_2" },
    });
    expect(response.headers["x-request-id"]).toBe("edge-7f3a.91:b_2");
  });

  it("takes it from the peer when TRUST_PROXY is a hop count", async () => {
    const app = await start({ trustProxy: 1 });
    const response = await app.inject({
      method: "GET",
      url: "/health",
      remoteAddress: "192.0.2.10",
      headers: { "x-request-id": "from-the-balancer" },
    });
    expect(response.headers["x-request-id"]).toBe("from-the-balancer");
  });

  it("ignores the header from a peer that is not a trusted proxy", async () => {
    for (const [trustProxy, remoteAddress] of [
      [false, "10.1.2.3"],
      [["10.0.0.0/8"], "203.0.113.5"],
      [0, "10.1.2.3"],
    ] as const) {
      const app = await start({ trustProxy });
      const response = await app.inject({
        method: "GET",
        url: "/health",
        remoteAddress,
        headers: { "x-request-id": "chosen-by-the-client" },
      });
      expect(response.headers["x-request-id"]).toMatch(uuid);
    }
  });

  it("ignores a trusted proxy's id that is too long or has characters that could forge a log line", async () => {
    const app = await start({ trustProxy: true });
    for (const sent of ["a".repeat(129), "two words", "id\\nlevel=error", "<script>", "ü"]) {
      const response = await app.inject({
        method: "GET",
        url: "/health",
        headers: { "x-request-id": sent },
      });
      expect(response.headers["x-request-id"]).toMatch(uuid);
    }
    const longest = "a".repeat(128);
    const kept = await app.inject({ method: "GET", url: "/health", headers: { "x-request-id": longest } });
    expect(kept.headers["x-request-id"]).toBe(longest);
  });

  it("a 500 envelope names the request, and every log line of that request carries the same id", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await start({
      trustProxy: true,
      replaceUseCases: failingLogIn,
      logger: recordingLogger(lines),
    });
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "ada@example.com", password: "Sup3r-secret!" },
      headers: { "x-request-id": "support-case-42" },
    });
    expectError(response, "INTERNAL_ERROR", 500);
    expect(response.json().requestId).toBe("support-case-42");
    expect(response.headers["x-request-id"]).toBe("support-case-42");
    const ofRequest = lines.filter((line) => line.reqId === "support-case-42");
    expect(ofRequest.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["incoming request", "unhandled error", "request completed"]),
    );
    // Every line logged while serving it belongs to it.
    expect(lines.filter((line) => line.reqId === undefined)).toEqual([]);
  });

  it("a generated id reaches the 500 envelope too; 4xx envelopes stay as they were", async () => {
    const app = await start({ trustProxy: false, replaceUseCases: failingLogIn });
    const failed = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "ada@example.com", password: "Sup3r-secret!" },
    });
    expect(failed.json().requestId).toBe(failed.headers["x-request-id"]);
    const refused = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: {} });
    expect(Object.keys(refused.json()).sort()).toEqual(["error", "message", "success"]);
  });
});

describe("request headers at debug level (DEBUG=superoauth:http)", () => {
  it("are logged with credentials replaced, even by a logger without redaction", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await start({ trustProxy: false, logger: recordingLogger(lines, "debug") });
    await app.inject({
      method: "GET",
      url: "/health",
      headers: {
        authorization: "Bearer eyJ.secret",
        cookie: "sid=secret-cookie",
        dpop: "eyJ.dpop-proof",
        "user-agent": "curl/8",
      },
    });
    const logged = lines.find((line) => line.msg === "request headers");
    expect(logged?.headers).toMatchObject({
      authorization: "[redacted]",
      cookie: "[redacted]",
      dpop: "[redacted]",
      "user-agent": "curl/8",
    });
    expect(JSON.stringify(lines)).not.toMatch(/eyJ\.secret|secret-cookie|eyJ\.dpop-proof/);
  });

  it("are not logged at info level", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await start({ trustProxy: false, logger: recordingLogger(lines) });
    await app.inject({ method: "GET", url: "/health" });
    expect(lines.some((line) => line.msg === "request headers")).toBe(false);
  });
});
