import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError } from "./test-app.ts";

// The start gate (migrations pending, ADR 0046): a 503 for everything but the service's reports,
// until the gate first opens; then it is not asked again.

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app listening on a port, and a socket connected to it, with what it has received so far. */
async function connectedApp(): Promise<{ app: FastifyInstance; socket: Socket; received: () => string }> {
  const { app } = await buildTestApp();
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on a port");
  const socket = connect(address.port, "127.0.0.1");
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  await new Promise((resolve) => socket.on("connect", resolve));
  return { app, socket, received: () => received };
}

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

/**
 * GET `path` whose first bytes come before the close begins and the rest after: it reaches the
 * routes while the app closes (what a load balancer's pooled connection sends at that moment).
 * Answers the response's head and body.
 */
async function getWhileClosing(path: string): Promise<{ head: string; payload: string }> {
  const { app, socket, received: receivedSoFar } = await connectedApp();
  const ended = new Promise((resolve) => socket.on("close", resolve));
  const request = `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
  socket.write(request.slice(0, 10));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closed = app.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.write(request.slice(10));
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  socket.destroy();
  await closed;
  const [head = "", payload = ""] = receivedSoFar().split("\r\n\r\n");
  return { head, payload };
}

describe("a request arriving while the app closes", () => {
  it("gets the envelope's 503 with Retry-After, no-store and Connection: close, not Fastify's own body", async () => {
    const { head, payload } = await getWhileClosing("/api/v1/oauth/providers");

    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain("retry-after: 5");
    expect(head.toLowerCase()).toContain("cache-control: no-store");
    expect(head.toLowerCase()).toContain("connection: close");
    expect(head.toLowerCase()).toMatch(/x-request-id: \S+/);
    expect(JSON.parse(payload)).toStrictEqual({
      success: false,
      error: "SERVICE_UNAVAILABLE",
      message: "The service is shutting down; retry in a moment",
      requestId: expect.any(String),
    });
  });

  // The service's reports are outside the rate limits and the start gate, not outside the close.
  it.each(["/health", "/status.json", "/ready"])(
    "at %s, gets SERVICE_UNAVAILABLE 503 too, which the route declares",
    async (path) => {
      const { head, payload } = await getWhileClosing(path);

      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(JSON.parse(payload)).toStrictEqual({
        success: false,
        error: "SERVICE_UNAVAILABLE",
        message: "The service is shutting down; retry in a moment",
        requestId: expect.any(String),
      });
      // The check every test app runs (declared-errors.ts) fails the test on an undeclared answer.
    },
  );

  it("ends the connection of a request in flight when the close begins, and the close waits for no client", async () => {
    // A load balancer's pooled connection: a request in flight when SIGTERM came, then nothing.
    const { app, socket, received: receivedSoFar } = await connectedApp();
    const endedByServer = new Promise<boolean>((resolve) => socket.on("end", () => resolve(true)));
    const body = JSON.stringify({ refreshToken: "x" });
    socket.write(
      `POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 3)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = app.close().then(() => true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(body.slice(3));
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 3_000));
    const [ended, closedInTime] = await Promise.all([
      Promise.race([endedByServer, timeout]),
      Promise.race([closed, timeout]),
    ]);
    socket.destroy();
    await closed;

    const received = receivedSoFar();
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    // Until 2026-12-03: `Connection: keep-alive`, and the close waited for the client to leave.
    expect(received.split("\r\n\r\n")[0]?.toLowerCase()).toContain("connection: close");
    expect(ended).toBe(true);
    expect(closedInTime).toBe(true);
  });
});
