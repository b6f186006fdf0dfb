// node run.mjs sqlite|mysql: starts server.mjs, seeds 1,000 accounts, then drives its session
// check, sign-in and sign-up with closed-loop clients from this process (16, 4 and 4 clients, as
// SuperOAuth's `pnpm bench` does for `/auth/me`, login and register) and prints per row: req/s,
// p50/p99, the server's CPU per request (and mysqld's), event-loop delay p99, peak RSS, and for
// the hashing rows the fraction of the scrypt ceiling (cores x 1000 / ms of one scrypt with every
// core hashing, timed in this process before and after the row, the faster kept, as SuperOAuth's
// bench times argon2id).
import { execSync, spawn } from "node:child_process";
import { randomBytes, scrypt } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";

const backend = process.argv[2] ?? "sqlite";
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const cores = availableParallelism();
const port = 4100 + Math.floor(Math.random() * 500);
const password = "Kx7#mQ2v-Lr9!pT";
const sqliteFile = `${tmpdir()}/better-auth-bench-${process.pid}.db`;
const mysqlDatabase = `better_auth_bench_${process.pid}`;
/** MYSQL_SERVER_URL (default: root on 127.0.0.1:3306) holds the benchmark's own database. */
const mysqlServerURL = process.env.MYSQL_SERVER_URL ?? "mysql://root@127.0.0.1:3306";

async function onMySQLServer(statement) {
  const { createConnection } = await import("mysql2/promise");
  const connection = await createConnection(mysqlServerURL);
  try {
    await connection.query(statement);
  } finally {
    await connection.end();
  }
}

if (backend === "mysql") {
  await onMySQLServer(`CREATE DATABASE ${mysqlDatabase}`);
}
const server = spawn(process.execPath, ["server.mjs"], {
  cwd: import.meta.dirname,
  env: {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    DB: backend,
    SQLITE_FILE: sqliteFile,
    MYSQL_URL: `${mysqlServerURL}/${mysqlDatabase}`,
  },
  stdio: ["ignore", "pipe", "inherit"],
});
await new Promise((resolve, reject) => {
  server.stdout.on("data", (chunk) => String(chunk).includes("listening") && resolve());
  server.on("exit", (code) => reject(new Error(`server exited ${code}`)));
});

const origin = `http://127.0.0.1:${port}`;
const pool = new Pool(origin, { connections: 32, pipelining: 1 });
async function call(method, path, body, cookie) {
  const headers = { origin };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (cookie !== undefined) headers.cookie = cookie;
  const response = await pool.request({
    method,
    path,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}
const signUp = (email) => call("POST", "/api/auth/sign-up/email", { email, password, name: "Bench User" });
const signIn = (email) => call("POST", "/api/auth/sign-in/email", { email, password });

async function probe() {
  return JSON.parse((await call("GET", "/__probe")).text);
}
function mysqldCPUMicros() {
  if (backend !== "mysql") return null;
  const pid = execSync("pidof mariadbd || pidof mysqld").toString().trim().split(" ")[0];
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/**
 * ms of one scrypt (Better Auth's parameters) with every core hashing. Timed before and after each
 * hashing row, the faster kept, as SuperOAuth's bench does (a hiccup must not lower the ceiling).
 */
async function scryptMs() {
  const one = () =>
    new Promise((resolve, reject) =>
      scrypt(
        password,
        randomBytes(16).toString("hex"),
        64,
        { N: 16384, r: 16, p: 1, maxmem: 128 * 16384 * 16 * 2 },
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  // A warm-up, then 20 per core (1.3 s at 65 ms), as SuperOAuth's bench times argon2id.
  await one();
  await one();
  const rounds = 20;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: cores }, async () => {
      for (let i = 0; i < rounds; i++) await one();
    }),
  );
  return (performance.now() - started) / rounds;
}

async function row(name, clients, send) {
  const before = await probe();
  const dbBefore = mysqldCPUMicros();
  const latencies = [];
  let failures = 0;
  const until = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      while (performance.now() < until) {
        const t = performance.now();
        const status = await send(worker);
        latencies.push(performance.now() - t);
        if (status >= 400) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await probe();
  const dbAfter = mysqldCPUMicros();
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  const result = {
    row: name,
    clients,
    perSecond: n / seconds,
    p50: latencies[Math.floor(n * 0.5)],
    p99: latencies[Math.floor(n * 0.99)],
    failures,
    serverMicros: (after.cpuMicros - before.cpuMicros) / n,
    mysqldMicros: dbBefore === null ? null : (dbAfter - dbBefore) / n,
    loopP99Ms: after.loopP99Ms,
    peakRSSMiB: after.maxRSSKiB / 1024,
  };
  return result;
}

const runId = randomBytes(4).toString("hex");
// Started and migrated, nothing asked yet: its peak RSS so far is its idle size.
const idle = await probe();
console.log(
  `Better Auth on ${backend}${process.env.COOKIE_CACHE ? `, cookie cache ${process.env.COOKIE_CACHE} s` : ""}, ${cores} cores, load ${loadavg()[0].toFixed(2)} before, ${new Date().toISOString()}`,
);
// About a thousand accounts, as SuperOAuth's bench has (4 at a time).
const seeded = Array.from({ length: 1000 }, (_, i) => `seed-${runId}-${i}@example.com`);
for (let i = 0; i < seeded.length; i += 4) {
  const answers = await Promise.all(seeded.slice(i, i + 4).map(signUp));
  for (const a of answers) if (a.status !== 200) throw new Error(`sign-up ${a.status} ${a.text}`);
}
const cookies = [];
for (let w = 0; w < 16; w++) {
  const answer = await signIn(seeded[w]);
  // Every cookie it sets: the session token, and with COOKIE_CACHE the cached session data too.
  cookies.push(
    [answer.headers["set-cookie"]]
      .flat()
      .map((c) => c.split(";")[0])
      .join("; "),
  );
}
const check = await call("GET", "/api/auth/get-session", undefined, cookies[0]);
if (check.status !== 200 || !check.text.includes(seeded[0]))
  throw new Error(`get-session: ${check.status} ${check.text}`);

const rows = [];
rows.push(
  await row(
    "get-session",
    16,
    async (w) => (await call("GET", "/api/auth/get-session", undefined, cookies[w])).status,
  ),
);
const loginCeilingBefore = await scryptMs();
const loginRow = await row("sign-in", 2 * cores, async (w) => (await signIn(seeded[100 + w])).status);
loginRow.scryptMs = Math.min(loginCeilingBefore, await scryptMs());
rows.push(loginRow);
let fresh = 0;
const registerCeilingBefore = await scryptMs();
const registerRow = await row(
  "sign-up",
  2 * cores,
  async () => (await signUp(`new-${runId}-${fresh++}@example.com`)).status,
);
registerRow.scryptMs = Math.min(registerCeilingBefore, await scryptMs());
rows.push(registerRow);

for (const r of rows) {
  const ceiling = r.scryptMs === undefined ? null : (cores * 1000) / r.scryptMs;
  console.log(
    [
      r.row.padEnd(12),
      `${r.perSecond.toFixed(0)}/s`,
      `p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms`,
      `server ${r.serverMicros.toFixed(0)} µs/req`,
      r.mysqldMicros === null ? "" : `mysqld ${r.mysqldMicros.toFixed(0)} µs/req`,
      `loop p99 ${r.loopP99Ms.toFixed(1)} ms`,
      `peak RSS ${r.peakRSSMiB.toFixed(0)} MiB`,
      ceiling === null
        ? ""
        : `scrypt ${r.scryptMs.toFixed(1)} ms, ${((100 * r.perSecond) / ceiling).toFixed(1)} % of ${ceiling.toFixed(0)}/s`,
      r.failures ? `FAILURES ${r.failures}` : "",
    ]
      .filter(Boolean)
      .join(" | "),
  );
}
console.log(`peak RSS after start, before any request: ${(idle.maxRSSKiB / 1024).toFixed(0)} MiB`);
console.log(`load ${loadavg()[0].toFixed(2)} after`);
server.kill();
await pool.close();
rmSync(sqliteFile, { force: true });
rmSync(`${sqliteFile}-wal`, { force: true });
rmSync(`${sqliteFile}-shm`, { force: true });
if (backend === "mysql") await onMySQLServer(`DROP DATABASE ${mysqlDatabase}`);
