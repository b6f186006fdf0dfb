import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { pingRedisServer } from "../src/index.ts";

// Against the Redis the rate-limit tests use (REDIS_TEST_URL), and against local peers that are not
// Redis: one that accepts and stays silent, one that answers something else.
const redisURL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers.splice(0)) {
    server.close();
    await once(server, "close");
  }
});

/** A TCP server on 127.0.0.1 that does `onConnection` with every socket; answers its URL. */
async function peer(onConnection: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `redis://127.0.0.1:${address.port}`;
}

describe("pingRedisServer", () => {
  it("resolves when Redis answers PING", async () => {
    await expect(pingRedisServer({ url: redisURL, timeoutMs: 5_000 })).resolves.toBeUndefined();
  });

  it("rejects with ETIMEDOUT, within its timeout, when the server accepts but never answers", async () => {
    const url = await peer(() => {});
    const started = Date.now();
    await expect(pingRedisServer({ url, timeoutMs: 300 })).rejects.toMatchObject({ code: "ETIMEDOUT" });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("rejects with a ParserError when what answers is not Redis", async () => {
    const url = await peer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await expect(pingRedisServer({ url, timeoutMs: 5_000 })).rejects.toMatchObject({ name: "ParserError" });
  });

  it("rejects with the server's error when the connection's set-up is refused (a database it does not have)", async () => {
    const url = new URL(redisURL);
    url.pathname = "/999999";
    await expect(pingRedisServer({ url: url.href, timeoutMs: 5_000 })).rejects.toMatchObject({
      name: "ReplyError",
      message: expect.stringMatching(/^ERR /),
    });
  });
});
