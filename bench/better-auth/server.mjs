// Better Auth's email-and-password service, as its docs set it up on Node (toNodeHandler), on
// SQLite (node:sqlite, WAL and synchronous=NORMAL as SuperOAuth's SQLite) or MySQL (a mysql2
// pool of 10, as SuperOAuth's), rate limits off, session cookie cache off (its default). A probe
// route outside the auth handler reports CPU, peak RSS and event-loop delay as SuperOAuth's
// benchmark probe does.
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";

const port = Number(process.env.PORT);
const backend = process.env.DB;
let database;
if (backend === "sqlite") {
  const { DatabaseSync } = await import("node:sqlite");
  database = new DatabaseSync(process.env.SQLITE_FILE);
  database.exec("PRAGMA journal_mode = WAL");
  database.exec("PRAGMA synchronous = NORMAL");
  database.exec("PRAGMA busy_timeout = 5000");
} else {
  const { createPool } = await import("mysql2/promise");
  database = createPool({ uri: process.env.MYSQL_URL, connectionLimit: 10 });
}

export const auth = betterAuth({
  baseURL: `http://127.0.0.1:${port}`,
  secret: "a-benchmark-secret-that-is-long-enough-0123456789",
  database,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  // COOKIE_CACHE=<seconds>: its cookie cache, which its performance guide suggests (5 minutes there):
  // a check answers from a signed cookie without the database until the cookie is that old.
  ...(process.env.COOKIE_CACHE
    ? { session: { cookieCache: { enabled: true, maxAge: Number(process.env.COOKIE_CACHE) } } }
    : {}),
  telemetry: { enabled: false },
  logger: { level: "error" },
});
await (await auth.$context).runMigrations();

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const handler = toNodeHandler(auth);
const server = createServer((request, response) => {
  if (request.url === "/__probe") {
    const usage = process.resourceUsage();
    const body = JSON.stringify({
      cpuMicros: usage.userCPUTime + usage.systemCPUTime,
      maxRSSKiB: usage.maxRSS,
      loopP99Ms: delay.percentile(99) / 1e6,
      heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
    });
    delay.reset();
    response.writeHead(200, { "content-type": "application/json" }).end(body);
    return;
  }
  handler(request, response).catch((error) => {
    console.error(error);
    response.destroy();
  });
});
server.keepAliveTimeout = 60_000;
process.on("SIGINT", () => process.exit(0));
server.listen(port, "127.0.0.1", () => console.log("listening"));
