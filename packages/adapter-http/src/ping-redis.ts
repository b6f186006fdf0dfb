import { Redis } from "ioredis";

/**
 * Connects to the Redis at `url` as the rate limiter would (password and database from the URL,
 * TLS for rediss://), sends PING and hangs up: resolves when it answers PONG within `timeoutMs`,
 * rejects otherwise. The rejection carries a `code` where there is one: the socket's (ECONNREFUSED,
 * ENOTFOUND, ...), ETIMEDOUT when nothing answered in time (a server that accepts the connection
 * and stays silent), or the server's own error (a ReplyError whose message starts with its code:
 * NOAUTH, WRONGPASS, ERR); a peer that is not Redis rejects with a ParserError. It never retries:
 * `pnpm doctor` asks once and says what it found.
 */
export async function pingRedisServer(input: { url: string; timeoutMs: number }): Promise<void> {
  const redis = new Redis(input.url, {
    lazyConnect: true,
    connectTimeout: input.timeoutMs,
    // The ready check (INFO) would be a second question; PING is the check.
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The connection's own error (ECONNREFUSED, ENOTFOUND...) arrives here; connect() and ping() then
  // reject with a generic "Connection is closed.", so the first one is what the caller is given.
  let connectionError: unknown;
  redis.on("error", (error: unknown) => {
    connectionError ??= error;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`Redis did not answer PING within ${input.timeoutMs} ms`);
      reject(Object.assign(error, { code: "ETIMEDOUT" }));
    }, input.timeoutMs);
  });
  const ping = async () => {
    await redis.connect();
    const answer = await redis.ping();
    if (answer !== "PONG") throw new Error(`PING answered ${JSON.stringify(answer)}, not PONG`);
    // What the connection refused on the way (SELECT of a database the server does not have).
    if (connectionError !== undefined) throw connectionError;
  };
  try {
    await Promise.race([ping(), timedOut]);
  } catch (error) {
    throw connectionError ?? error;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
