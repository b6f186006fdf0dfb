import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMetricsApp, idleConnectionTimeoutMs, requestTimeoutMs } from "../src/app.ts";
import { answerMalformedRequest } from "../src/malformed-requests.ts";
import { createMetrics } from "../src/metrics.ts";
import { buildTestApp } from "./test-app.ts";

// Requests Node's HTTP parser refuses before Fastify sees them, sent over a real socket (inject()
// never reaches the parser): each answered in the contract's envelope, and the connection closed.

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  ({ app } = await buildTestApp());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on a port");
  port = address.port;
});
afterAll(async () => app.close());

/** Sends `raw` as is and reads the whole answer until the server closes the connection. */
function sendRaw(raw: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(raw));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body });
    });
  });
}

describe("a request the HTTP parser refuses", () => {
  const cases = {
    "headers over the size limit": [
      `GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`,
      "Request headers are too large",
    ],
    "a control character in a header": [
      "GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n",
      "Malformed HTTP request",
    ],
    "both Transfer-Encoding and Content-Length": [
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "Malformed HTTP request",
    ],
    "a chunk size that is not hexadecimal": [
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
      "Malformed HTTP request",
    ],
  } as const;
  for (const [name, [raw, message]] of Object.entries(cases)) {
    it(`answers ${name} with VALIDATION_ERROR 400 in the envelope, and closes the connection`, async () => {
      const answer = await sendRaw(raw);
      expect(answer.status).toBe(400);
      expect(answer.headers).toContain("content-type: application/json; charset=utf-8");
      expect(answer.headers).toContain("connection: close");
      expect(answer.headers).toContain("cache-control: no-store");
      expect(answer.headers).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
      expect(JSON.parse(answer.body)).toEqual({ success: false, error: "VALIDATION_ERROR", message });
    });
  }

  it("adds no second answer when the body turns out malformed after the request was answered", async () => {
    // The 404 goes out before the body is read; the broken chunk that follows is the parser's
    // error, on a connection whose one request has its answer already.
    const received = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write("POST /nope HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"),
      );
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        const first = text === "";
        text += chunk;
        if (first) socket.write("zz\r\nnot a chunk\r\n");
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
    });
    expect(received.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 404"]);
  });

  it("leaves a well-formed request to the service (the control)", async () => {
    const answer = await sendRaw("GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ success: false, error: "UNAUTHORIZED" });
  });
});

describe("a client that never finishes its request, or never reads the answer", () => {
  // Fastify's defaults are 0 (never): a body that never ended, or an answer never read, held its
  // connection for good. Node answers a request not received in time 408 (the case above).
  it("is cut off: the listeners have a request timeout and an idle timeout", async () => {
    expect(requestTimeoutMs).toBeGreaterThan(0);
    expect(idleConnectionTimeoutMs).toBeGreaterThan(72_000); // above the keep-alive's
    expect(app.server.requestTimeout).toBe(requestTimeoutMs);
    expect(app.server.timeout).toBe(idleConnectionTimeoutMs);
    const metricsApp = await buildMetricsApp(createMetrics());
    try {
      expect(metricsApp.server.requestTimeout).toBe(requestTimeoutMs);
      expect(metricsApp.server.timeout).toBe(idleConnectionTimeoutMs);
    } finally {
      await metricsApp.close();
    }
  });
});

describe("answerMalformedRequest on its own", () => {
  /** What the handler does to a socket: what it writes, and whether it ends it. */
  function fakeSocket(input: { writable?: boolean; destroyed?: boolean } = {}) {
    const written: string[] = [];
    let destroyed = input.destroyed ?? false;
    const socket = {
      get writable() {
        return input.writable ?? true;
      },
      get destroyed() {
        return destroyed;
      },
      write: (text: string) => written.push(text),
      destroy: () => {
        destroyed = true;
      },
    };
    return { socket: socket as unknown as Socket, written, isDestroyed: () => destroyed };
  }

  it("answers a client too slow to send its headers 408 without a body, and closes the connection", () => {
    const { socket, written, isDestroyed } = fakeSocket();
    answerMalformedRequest(Object.assign(new Error("timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }), socket);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\nX-Request-Id: [0-9a-f-]{36}\r\nCache-Control: no-store\r\nContent-Length: 0\r\n\r\n$/,
    );
    expect(isDestroyed()).toBe(true);
  });

  it("writes nothing to a connection the client reset, or one that can no longer be written", () => {
    const reset = fakeSocket();
    answerMalformedRequest(Object.assign(new Error("reset"), { code: "ECONNRESET" }), reset.socket);
    expect(reset.written).toEqual([]);
    const closed = fakeSocket({ writable: false });
    answerMalformedRequest(
      Object.assign(new Error("bad"), { code: "HPE_INVALID_HEADER_TOKEN" }),
      closed.socket,
    );
    expect(closed.written).toEqual([]);
    expect(closed.isDestroyed()).toBe(true);
  });
});
