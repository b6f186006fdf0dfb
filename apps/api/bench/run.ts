// pnpm bench [--database sqlite|mysql]: for each backend (both by default), starts the service as
// its own process on 127.0.0.1 (as `pnpm start` does, rate limits off), once with about a thousand
// users and once with a million, and a bare Fastify route beside them; then drives the hot paths
// with a bounded closed-loop load from this process and prints throughput, latency percentiles,
// CPU per request, event-loop delay and peak RSS (measured inside each server by
// server-probe.ts), each route as a fraction of its ceiling (the bare route; the argon2id rate of
// this machine), the million-users comparison and the targets of docs/performance.md, pass or
// fail; then compares the latency of the mail-sending requests for a known and an unknown
// address. Results and method: docs/performance.md.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createArgon2PasswordHasher } from "@superoauth/adapter-crypto";
import { openStorage } from "@superoauth/adapter-sql";
import { seedUsers } from "@superoauth/adapter-sql/bench";
import type { UserId } from "@superoauth/domain";
import { Pool } from "undici";
import { type CPUSplit, cpuSplitBetween, cpuSplitNow, cpuSplitSum, threadKinds } from "./cpu-split.ts";
import type { ProbeSample } from "./server-probe.ts";
import { startCommand } from "./start-command.ts";

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
/**
 * Clients of the argon2id rows (login, register): two per core by default, enough to keep every
 * core hashing (one request hashing while another does the rest of its work), where 16 would only
 * queue: in a closed loop the latency is clients / rate (Little's law), so 16 clients at the
 * 2-core ceiling of about 45-80 per second wait 200-350 ms in line whatever the server does.
 */
const argon2Concurrency = Number(process.env.BENCH_ARGON2_CONCURRENCY ?? 2 * availableParallelism());
// Random, so the password screen (docs/decisions/0014-password-screening.md) accepts it.
const password = "Kx7#mQ2v-Lr9!pT";
const timingSamples = Number(process.env.BENCH_TIMING_SAMPLES ?? 200);
/** BENCH_PROFILE_DIR: a CPU profile of each server during each scenario, written there (made if missing). */
const profileDirectory = process.env.BENCH_PROFILE_DIR;
if (profileDirectory !== undefined) mkdirSync(profileDirectory, { recursive: true });

interface Scenario {
  readonly name: string;
  /** One request; returns the HTTP status. `worker` is stable per concurrent client. */
  readonly send: (worker: number) => Promise<number>;
  readonly durationMs?: number;
  /** Concurrent clients; `concurrency` (BENCH_CONCURRENCY) unless the scenario says otherwise. */
  readonly concurrency?: number;
  /** Run before each of its stretches, outside the measurement (a token that must be fresh). */
  readonly before?: () => Promise<void>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** One scenario's run on one server: the client's view and the server's (its probe). */
interface Measured {
  readonly scenario: string;
  readonly target: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly failures: number;
  /** The server process's CPU (user + system) per request, in microseconds. */
  readonly serverCPUMicros: number;
  /** The MySQL server's CPU per request (whole mysqld: other clients' work too); null on SQLite. */
  readonly databaseCPUMicros: number | null;
  readonly probe: ProbeSample;
  /** The concurrent clients of the row. */
  readonly clients: number;
  /** For the argon2id rows: argon2id timed in the benchmark's process around the row (Argon2Timing). */
  readonly argon2?: Argon2Timing;
  /** Where the machine's CPU time went during the row, in all (cpu-split.ts); null off Linux. */
  readonly cpuSplit: CPUSplit | null;
}

/** One stretch of a scenario on one server: what `measured` folds into a row. */
interface Stretch {
  readonly latencies: number[];
  readonly failures: number;
  readonly seconds: number;
  readonly serverCPUMicroseconds: number;
  readonly databaseCPUMicroseconds: number | null;
  readonly probe: ProbeSample;
  readonly cpuSplit: CPUSplit | null;
}

/** Runs `scenario` on `target` for `runMs`; with a profile directory, profiles it into `profileName`. */
async function runStretch(
  scenario: Scenario,
  target: Server & { label: string },
  runMs: number,
  profileName: string,
): Promise<Stretch> {
  const latencies: number[] = [];
  let failures = 0;
  await scenario.before?.();
  await target.sample();
  if (profileDirectory !== undefined) await target.profile({ profile: "start" });
  const databaseCPUBefore = target.databaseCPUMicros?.() ?? null;
  const splitBefore = cpuSplitNow(target.pid);
  const until = performance.now() + runMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: scenario.concurrency ?? concurrency }, async (_, worker) => {
      while (performance.now() < until) {
        const t = performance.now();
        const status = await scenario.send(worker);
        latencies.push(performance.now() - t);
        if (status >= 400) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (profileDirectory !== undefined) {
    const file = `${profileName.replaceAll(/[^A-Za-z0-9]+/g, "-")}.cpuprofile`;
    await target.profile({ profile: "stop", file: resolve(profileDirectory, file) });
  }
  const splitAfter = cpuSplitNow(target.pid);
  const probe = await target.sample();
  const databaseCPUAfter = target.databaseCPUMicros?.() ?? null;
  return {
    latencies,
    failures,
    seconds,
    serverCPUMicroseconds: probe.cpuMicroseconds,
    databaseCPUMicroseconds:
      databaseCPUBefore === null || databaseCPUAfter === null ? null : databaseCPUAfter - databaseCPUBefore,
    probe,
    cpuSplit: splitBefore === null || splitAfter === null ? null : cpuSplitBetween(splitBefore, splitAfter),
  };
}

/** The row of one or more stretches of a scenario on one server, printed. */
function measured(scenario: Scenario, label: string, stretches: readonly Stretch[]): Measured {
  const latencies = stretches.flatMap((stretch) => stretch.latencies).sort((a, b) => a - b);
  const sum = (of: (stretch: Stretch) => number) => stretches.reduce((total, s) => total + of(s), 0);
  const requests = Math.max(1, latencies.length);
  const last = stretches.at(-1);
  if (last === undefined) throw new Error("measured: no stretch");
  const databaseMicroseconds = stretches.every((s) => s.databaseCPUMicroseconds !== null)
    ? sum((s) => s.databaseCPUMicroseconds ?? 0)
    : null;
  const row: Measured = {
    scenario: scenario.name,
    target: label,
    requests: latencies.length,
    perSecond: latencies.length / sum((s) => s.seconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    failures: sum((s) => s.failures),
    serverCPUMicros: sum((s) => s.serverCPUMicroseconds) / requests,
    databaseCPUMicros: databaseMicroseconds === null ? null : databaseMicroseconds / requests,
    // The worst stretch's event-loop delay; the peak RSS and memory as of the last one.
    probe: {
      ...last.probe,
      eventLoopDelayP99Ms: Math.max(...stretches.map((s) => s.probe.eventLoopDelayP99Ms)),
      eventLoopDelayMaxMs: Math.max(...stretches.map((s) => s.probe.eventLoopDelayMaxMs)),
    },
    clients: scenario.concurrency ?? concurrency,
    cpuSplit: stretches
      .map((stretch) => stretch.cpuSplit)
      .reduce((total, split) => (total === null || split === null ? null : cpuSplitSum(total, split))),
  };
  console.log(formatRow(row));
  return row;
}

/** One row: `scenario` on `target` for the scenario's duration. */
async function runScenario(scenario: Scenario, target: Server & { label: string }): Promise<Measured> {
  const stretch = await runStretch(
    scenario,
    target,
    scenario.durationMs ?? durationMs,
    `${scenario.name}-${target.label}`,
  );
  return measured(scenario, target.label, [stretch]);
}

const tableHeader = [
  "| scenario                               | database    | clients | requests |   req/s |  p50 ms |  p95 ms |  p99 ms | errors | server µs/req | db µs/req | loop p99 ms | peak RSS MB |",
  "|----------------------------------------|-------------|--------:|---------:|--------:|--------:|--------:|--------:|-------:|--------------:|----------:|------------:|------------:|",
].join("\n");

function formatRow(m: Measured): string {
  const f = (n: number) => n.toFixed(2).padStart(7);
  const db = m.databaseCPUMicros === null ? "-" : m.databaseCPUMicros.toFixed(0);
  return `| ${m.scenario.padEnd(38)} | ${m.target.padEnd(11)} | ${String(m.clients).padStart(7)} | ${String(m.requests).padStart(8)} | ${m.perSecond.toFixed(0).padStart(7)} | ${f(m.p50)} | ${f(m.p95)} | ${f(m.p99)} | ${String(m.failures).padStart(6)} | ${m.serverCPUMicros.toFixed(0).padStart(13)} | ${db.padStart(9)} | ${m.probe.eventLoopDelayP99Ms.toFixed(1).padStart(11)} | ${(m.probe.peakRSSBytes / 2 ** 20).toFixed(0).padStart(11)} |`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * Whether a route's latency tells a known address from an unknown one (issue 7, weak item 5):
 * `timingSamples` requests for each, one at a time (no queueing in the client), in alternating
 * order after a warm-up, and the medians side by side. The gap is (known - unknown) / unknown.
 */
async function compareKnownAndUnknown(input: {
  backend: BackendName;
  pool: Pool;
  path: string;
  known: string;
  unknown: () => string;
}): Promise<{ row: string; gapPercent: number }> {
  const send = async (email: string): Promise<number> => {
    const t = performance.now();
    const response = await input.pool.request({
      method: "POST",
      path: input.path,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`${input.path} answered ${response.statusCode}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) {
    await send(input.known);
    await send(input.unknown());
  }
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < timingSamples; i++) {
    // Alternate which goes first, so neither always follows the other's background work.
    if (i % 2 === 0) {
      known.push(await send(input.known));
      unknown.push(await send(input.unknown()));
    } else {
      unknown.push(await send(input.unknown()));
      known.push(await send(input.known));
    }
  }
  const knownMedian = median(known);
  const unknownMedian = median(unknown);
  const gapPercent = ((knownMedian - unknownMedian) / unknownMedian) * 100;
  const row = `| ${input.path.padEnd(33)} | ${input.backend.padEnd(8)} | ${String(timingSamples).padStart(7)} | ${knownMedian.toFixed(3).padStart(8)} | ${unknownMedian.toFixed(3).padStart(10)} | ${`${gapPercent >= 0 ? "+" : ""}${gapPercent.toFixed(1)} %`.padStart(8)} |`;
  return { row, gapPercent };
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/** A started server process: its URL, its probe (server-probe.ts) and how to stop it. */
interface Server {
  readonly url: string;
  /** The probe's figures since the previous sample. */
  readonly sample: () => Promise<ProbeSample>;
  /** Starts the probe's CPU profile, or stops it and has it written to `file`. */
  readonly profile: (command: { profile: "start" } | { profile: "stop"; file: string }) => Promise<void>;
  /** The database server's CPU time so far, in microseconds (MySQL on this host); absent on SQLite. */
  readonly databaseCPUMicros?: () => number | null;
  /** The server's process id, for its threads' CPU time (cpu-split.ts). */
  readonly pid?: number;
  readonly stop: () => Promise<void>;
}

/**
 * Starts `script` as its own Node process with the probe loaded (`--import`), an IPC channel to
 * ask it, and `env`, and waits until `readyPath` answers 200.
 */
async function startProcess(input: {
  script: string;
  /** The environment, given the URL the process will listen on. */
  env: (url: string) => Record<string, string>;
  readyPath: string;
}): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
  const start = startCommand();
  const child = spawn(
    process.execPath,
    [
      ...start.nodeFlags,
      ...nodeOptions,
      "--import",
      resolve(import.meta.dirname, "server-probe.ts"),
      input.script,
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        ...start.env,
        // glibc's allocator settings (MALLOC_ARENA_MAX, ...) given to the benchmark, to compare.
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("MALLOC_"))),
        HOST: "127.0.0.1",
        PORT: String(port),
        ...input.env(url),
      },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    },
  );
  // Awaited by stop(), so the SQLite file is closed before the run removes it.
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${input.script} exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${url}${input.readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`${input.script} did not answer ${input.readyPath} within 90 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    sample: () =>
      new Promise<ProbeSample>((resolveSample) => {
        child.once("message", (message) => resolveSample(message as ProbeSample));
        child.send("sample");
      }),
    profile: (command) =>
      new Promise<void>((resolveProfile) => {
        child.once("message", () => resolveProfile());
        child.send(command);
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function startServer(databaseURL: string): Promise<Server> {
  const server = await startProcess({
    script: resolve(import.meta.dirname, "../src/main.ts"),
    readyPath: "/health",
    env: (url) => ({
      NODE_ENV: "production",
      // Warnings only: per-request info lines would measure the logger, not the service.
      LOG_LEVEL: "warn",
      LOG_FILE: "",
      DATABASE_URL: databaseURL,
      // The same on every run: it encrypts the signing keys the server stores on its first start,
      // and the MySQL databases are kept between runs (a new secret would not decrypt them). Not a
      // secret anywhere else: the benchmark's servers listen on 127.0.0.1 for its duration only.
      JWT_SECRET:
        process.env.BENCH_JWT_SECRET ??
        createHash("sha512").update("SuperOAuth benchmark JWT_SECRET").digest("base64url"),
      COOKIE_SECRET: randomBytes(48).toString("base64url"),
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      RATE_LIMIT_ENABLED: "false",
      // Off with the rest; raised as well, so the protocol endpoints' own budget (token,
      // introspection: 1000 per IP per window by default) could not cut a run short either.
      RATE_LIMIT_PROTOCOL_MAX: "1000000000",
      // The issuer the OpenID provider names in its redirects and tokens: this server.
      APP_URL: url,
      OUTBOX_DIR: resolve(tmpdir(), "superoauth-bench-outbox"),
    }),
  });
  return { ...server, databaseCPUMicros: databaseURL.startsWith("mysql:") ? mysqldCPUMicros : undefined };
}

/**
 * The CPU time (user + system, microseconds) of the MySQL or MariaDB server on this host, from
 * /proc; null when none runs here. It counts all of that server's work, other clients' included.
 */
function mysqldCPUMicros(): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const name = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (name !== "mariadbd" && name !== "mysqld") continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th
      // fields of the line, in clock ticks (USER_HZ, 100 a second on Linux).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10_000;
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return null;
}

interface TokenBody {
  readonly data: {
    readonly accessToken: string;
    readonly refreshToken: string;
    /** Registration's answer names the account too. */
    readonly user?: { readonly id: UserId };
  };
}

async function post(
  pool: Pool,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: () => Promise<TokenBody> }> {
  const response = await pool.request({
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, json: async () => (await response.body.json()) as TokenBody };
}

/** Cookies of one browser: name to value, updated from each answer's Set-Cookie. */
type CookieJar = Map<string, string>;

async function browse(
  jar: CookieJar,
  url: string,
  form?: Record<string, string>,
): Promise<{ status: number; location: string | null; html: string }> {
  const response = await fetch(url, {
    method: form === undefined ? "GET" : "POST",
    redirect: "manual",
    headers: {
      cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; "),
      ...(form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
    },
    ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
  });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = "", ...attributes] = cookie.split(";");
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator).trim();
    const expired = attributes.some(
      (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
    );
    if (expired) jar.delete(name);
    else jar.set(name, pair.slice(separator + 1));
  }
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

/** A confidential app's credentials as HTTP Basic (RFC 6749 §2.3.1: each part form-encoded). */
function basicAuthorization(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll("%20", "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString("base64")}`;
}

async function tokenRequest(
  pool: Pool,
  path: string,
  authorization: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await pool.request({
    method: "POST",
    path,
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

const redirectURI = "https://bench.example/callback";

/**
 * A refresh token for `email` through the real authorization-code flow, as a browser without
 * JavaScript goes through it: /oidc/auth, the hosted sign-in page (its form and CSRF field), the
 * consent page, back to the provider, then the code exchanged at /oidc/token with PKCE.
 */
async function refreshTokenThroughHostedPages(input: {
  url: string;
  pool: Pool;
  clientId: string;
  authorization: string;
  email: string;
}): Promise<string> {
  const jar: CookieJar = new Map();
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL("/oidc/auth", input.url);
  authorize.search = new URLSearchParams({
    client_id: input.clientId,
    response_type: "code",
    redirect_uri: redirectURI,
    scope: "openid offline_access",
    prompt: "consent",
    state: randomBytes(8).toString("hex"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  let page = await browse(jar, authorize.href);
  for (let hop = 0; hop < 16; hop++) {
    if (page.location !== null) {
      const next = new URL(page.location, input.url);
      if (next.origin !== new URL(input.url).origin) {
        const code = next.searchParams.get("code");
        if (code === null) throw new Error(`authorization ended without a code: ${next.href}`);
        const exchanged = await tokenRequest(input.pool, "/oidc/token", input.authorization, {
          grant_type: "authorization_code",
          code,
          redirect_uri: redirectURI,
          code_verifier: verifier,
        });
        const refreshToken = exchanged.body.refresh_token;
        if (exchanged.status !== 200 || typeof refreshToken !== "string")
          throw new Error(`code exchange: ${exchanged.status} ${JSON.stringify(exchanged.body)}`);
        return refreshToken;
      }
      page = await browse(jar, next.href);
      continue;
    }
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.html)?.[1];
    const action = /<form[^>]*action="(\/interaction\/[^"]+\/(?:login|consent))"/.exec(page.html)?.[1];
    if (page.status !== 200 || csrf === undefined || action === undefined)
      throw new Error(`expected the sign-in or consent page, got ${page.status}: ${page.html.slice(0, 500)}`);
    const target = new URL(action.replaceAll("&amp;", "&"), input.url).href;
    page = action.endsWith("/login")
      ? await browse(jar, target, { csrf_token: csrf, email: input.email, password })
      : await browse(jar, target, { csrf_token: csrf, decision: "allow", remember: "yes" });
  }
  throw new Error("the authorization did not come back within 16 hops");
}

/** A started server on one backend, with one registered account per client. */
interface Target {
  readonly backend: BackendName;
  /** The backend, and "1M" for the million-users database. */
  readonly label: string;
  /** Seeded users in its database (the accounts the run registers come on top). */
  readonly seededUsers: number;
  readonly pool: Pool;
  readonly server: Server;
  readonly run: string;
  readonly scenarios: readonly Scenario[];
  readonly knownEmail: string;
}

/**
 * Migrates the database and seeds `seededUsers` users (seedUsers keeps them between runs of a
 * kept database), starts the service on it and registers one account per client; with `oidc`, a
 * confidential app and one refresh token per client through the authorization-code flow.
 */
async function startTarget({
  backend,
  databaseURL,
  label,
  seededUsers,
  oidc: withOIDC,
}: Backend & { label: string; seededUsers: number; oidc: boolean }): Promise<Target> {
  const storage = await openStorage({ url: databaseURL, queryTimeoutMs: null });
  try {
    await storage.migrate();
    const seedingStarted = performance.now();
    const inserted = await seedUsers(storage, seededUsers);
    if (inserted > 0)
      console.log(
        `seeded ${inserted} users into the ${label} database in ${((performance.now() - seedingStarted) / 1000).toFixed(1)} s`,
      );
  } finally {
    await storage.close();
  }
  const server = await startServer(databaseURL);
  const pool = new Pool(server.url, { connections: concurrency, pipelining: 1 });
  // One account per worker, so refresh chains do not collide.
  const run = randomBytes(4).toString("hex");
  const accounts = await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const email = `bench-${run}-${i}@example.com`;
      const response = await post(pool, "/api/v1/auth/register", { email, password, nickname: `bench${i}` });
      if (response.status !== 201) throw new Error(`register failed on ${label}: ${response.status}`);
      const { data } = await response.json();
      return { email, userId: data.user?.id, accessToken: data.accessToken, refreshToken: data.refreshToken };
    }),
  ).catch(async (error: unknown) => {
    await pool.close();
    await server.stop();
    throw error;
  });
  let registered = 0;

  // A confidential app registered through the API (owned by the first account); one refresh token
  // per worker, each through the authorization-code flow of that worker's account, so each
  // worker's rotation chain is its own; and one client-credentials access token to introspect.
  const oidc = await (async () => {
    if (!withOIDC) return null;
    // Registering an app waits for its owner's address to be proven (ADR 0043): the first
    // account's is marked verified in the store, as its mailed link would.
    const store = await openStorage({ url: databaseURL, queryTimeoutMs: null });
    try {
      const owner = accounts[0]?.userId;
      if (owner === undefined) throw new Error(`no account registered on ${label}`);
      await store.users.markEmailVerified({ userId: owner, now: new Date() });
    } finally {
      await store.close();
    }
    const created = await pool.request({
      method: "POST",
      path: "/api/v1/apps",
      headers: { "content-type": "application/json", authorization: `Bearer ${accounts[0]?.accessToken}` },
      body: JSON.stringify({
        name: "Bench",
        redirectURIs: [redirectURI],
        allowedScopes: ["openid", "offline_access", "user:read"],
        type: "confidential",
      }),
    });
    const body = (await created.body.json()) as {
      data?: { app: { clientId: string }; clientSecret: string };
    };
    if (created.statusCode !== 201 || body.data === undefined)
      throw new Error(`POST /api/v1/apps on ${backend}: ${created.statusCode} ${JSON.stringify(body)}`);
    const clientId = body.data.app.clientId;
    const authorization = basicAuthorization(clientId, body.data.clientSecret);
    const refreshTokens: string[] = [];
    for (const account of accounts) {
      refreshTokens.push(
        await refreshTokenThroughHostedPages({
          url: server.url,
          pool,
          clientId,
          authorization,
          email: account.email,
        }),
      );
    }
    const granted = await tokenRequest(pool, "/oidc/token", authorization, {
      grant_type: "client_credentials",
      scope: "user:read",
    });
    const accessToken = granted.body.access_token;
    if (granted.status !== 200 || typeof accessToken !== "string")
      throw new Error(`client credentials on ${backend}: ${granted.status} ${JSON.stringify(granted.body)}`);
    return { authorization, refreshTokens, accessToken };
  })().catch(async (error: unknown) => {
    await pool.close();
    await server.stop();
    throw error;
  });

  const scenarios: Scenario[] = [
    {
      name: "GET /api/v1/auth/me",
      async send(worker) {
        const account = accounts[worker];
        const response = await pool.request({
          method: "GET",
          path: "/api/v1/auth/me",
          headers: { authorization: `Bearer ${account?.accessToken}` },
        });
        await response.body.dump();
        return response.statusCode;
      },
    },
    {
      name: "POST /api/v1/auth/refresh",
      async send(worker) {
        const account = accounts[worker];
        if (account === undefined) return 500;
        const response = await post(pool, "/api/v1/auth/refresh", { refreshToken: account.refreshToken });
        const body = await response.json();
        if (response.status === 200) account.refreshToken = body.data.refreshToken;
        return response.status;
      },
    },
    {
      name: "POST /api/v1/auth/login (argon2id)",
      concurrency: argon2Concurrency,
      async send(worker) {
        const response = await post(pool, "/api/v1/auth/login", { email: accounts[worker]?.email, password });
        await response.json();
        return response.status;
      },
    },
    {
      name: "POST /api/v1/auth/register (argon2id)",
      concurrency: argon2Concurrency,
      async send() {
        const response = await post(pool, "/api/v1/auth/register", {
          email: `register-${run}-${registered++}@example.com`,
          password,
          nickname: "bench",
        });
        await response.json();
        return response.status;
      },
    },
    {
      name: "GET /health (framework floor)",
      async send() {
        const response = await pool.request({ method: "GET", path: "/health" });
        await response.body.dump();
        return response.statusCode;
      },
    },
  ];
  if (oidc !== null) {
    let introspected = oidc.accessToken;
    scenarios.push(
      {
        name: "POST /oidc/token (client_credentials)",
        async send() {
          const response = await tokenRequest(pool, "/oidc/token", oidc.authorization, {
            grant_type: "client_credentials",
            scope: "user:read",
          });
          return response.status;
        },
      },
      {
        name: "POST /oidc/token (refresh_token)",
        async send(worker) {
          // Rotation: each request presents the token the previous one returned.
          const response = await tokenRequest(pool, "/oidc/token", oidc.authorization, {
            grant_type: "refresh_token",
            refresh_token: oidc.refreshTokens[worker] ?? "",
          });
          const next = response.body.refresh_token;
          if (response.status === 200 && typeof next === "string") oidc.refreshTokens[worker] = next;
          else if (response.status === 200) return 599; // rotation must hand out a new token
          return response.status;
        },
      },
      {
        name: "POST /oidc/token/introspection",
        // A token of its own, taken just before: the one taken at set-up (ACCESS_TOKEN_TTL, 5
        // minutes) had expired by this last row on a slow machine, and every introspection then
        // answered `active: false` (counted as an error; 2026-12-06, the fiftieth session).
        async before() {
          const granted = await tokenRequest(pool, "/oidc/token", oidc.authorization, {
            grant_type: "client_credentials",
            scope: "user:read",
          });
          if (granted.status !== 200 || typeof granted.body.access_token !== "string")
            throw new Error(
              `client credentials for introspection: ${granted.status} ${JSON.stringify(granted.body)}`,
            );
          introspected = granted.body.access_token;
        },
        async send() {
          const response = await tokenRequest(pool, "/oidc/token/introspection", oidc.authorization, {
            token: introspected,
          });
          return response.status === 200 && response.body.active !== true ? 598 : response.status;
        },
      },
    );
  }
  // A registered, unverified account, for the timing comparison.
  return {
    backend,
    label,
    seededUsers,
    pool,
    server,
    run,
    scenarios,
    knownEmail: accounts[0]?.email ?? "",
  };
}

/** A target of docs/performance.md, as measured in this run. */
interface Verdict {
  readonly target: string;
  readonly database: string;
  readonly measured: string;
  readonly bound: string;
  readonly pass: boolean;
}

/**
 * Prints each route against its ceiling, the million-users comparison and the targets of
 * docs/performance.md ("Performance gate"), each PASS or FAIL.
 */
function summarize(input: { results: readonly Measured[]; targets: readonly Target[]; cores: number }): void {
  const { results, targets, cores } = input;
  const find = (scenario: string, label: string) =>
    results.find((r) => r.scenario === scenario && r.target === label);
  const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;
  const verdicts: Verdict[] = [];
  const small = targets.filter((t) => t.seededUsers <= 1000);

  const bare = find(bareScenarioName, "-");
  if (bare !== undefined) {
    console.log(
      `\nAgainst the bare route (${bare.perSecond.toFixed(0)} req/s, ${bare.serverCPUMicros.toFixed(0)} µs of server CPU per request): throughput as a fraction of its throughput; cost as its CPU per request over the route's (server + database)\n`,
    );
    console.log("| route                      | database | req/s fraction | CPU-cost fraction |");
    console.log("|----------------------------|----------|---------------:|------------------:|");
    for (const route of ["GET /api/v1/auth/me", "POST /api/v1/auth/refresh"]) {
      for (const { label } of small) {
        const row = find(route, label);
        if (row === undefined) continue;
        const cost = bare.serverCPUMicros / (row.serverCPUMicros + (row.databaseCPUMicros ?? 0));
        console.log(
          `| ${route.padEnd(26)} | ${label.padEnd(8)} | ${percent(row.perSecond / bare.perSecond).padStart(14)} | ${percent(cost).padStart(17)} |`,
        );
        if (route === "GET /api/v1/auth/me")
          verdicts.push({
            target: "/auth/me >= 10 % of the bare route (CPU cost)",
            database: label,
            measured: percent(cost),
            bound: ">= 10 %",
            pass: cost >= 0.1,
          });
      }
    }
  }

  const argon2Rows = results.filter(
    (row) => row.argon2 !== undefined && small.some((t) => t.label === row.target),
  );
  if (argon2Rows.length > 0) {
    console.log(
      `\nAgainst the argon2id ceiling: ${cores} cores / the time of one verification (login) or one hash (register) on each core while every core runs one, timed in this process before and after each row (the faster kept); alone: one at a time, for comparison; ${argon2Concurrency} clients\n`,
    );
    console.log(
      "| route                                 | database | argon2id ms, every core | ceiling req/s | req/s | fraction | ms alone | fraction of cores / alone | p99 ms |",
    );
    console.log(
      "|---------------------------------------|----------|------------------------:|--------------:|------:|---------:|---------:|--------------------------:|-------:|",
    );
    for (const row of argon2Rows) {
      const route = row.scenario;
      const label = row.target;
      if (row.argon2 === undefined) continue;
      const login = route.includes("login");
      const operationMs = login ? row.argon2.verifyAllCoresMs : row.argon2.hashAllCoresMs;
      const aloneMs = login ? row.argon2.verifyMs : row.argon2.hashMs;
      const ceiling = (cores * 1000) / operationMs;
      const fraction = row.perSecond / ceiling;
      const fractionAlone = row.perSecond / ((cores * 1000) / aloneMs);
      console.log(
        `| ${route.padEnd(37)} | ${label.padEnd(8)} | ${operationMs.toFixed(1).padStart(23)} | ${ceiling.toFixed(0).padStart(13)} | ${row.perSecond.toFixed(0).padStart(5)} | ${percent(fraction).padStart(8)} | ${aloneMs.toFixed(1).padStart(8)} | ${percent(fractionAlone).padStart(25)} | ${row.p99.toFixed(0).padStart(6)} |`,
      );
      const name = route.includes("login") ? "login" : "register";
      verdicts.push({
        target: `${name} >= 85 % of the argon2 ceiling`,
        database: label,
        measured: percent(fraction),
        bound: ">= 85 %",
        pass: fraction >= 0.85,
      });
      verdicts.push({
        target: `${name} p99 at that rate`,
        database: label,
        measured: `${row.p99.toFixed(0)} ms`,
        bound: "< 500 ms",
        pass: row.p99 < 500,
      });
    }
    printCPUSplit(argon2Rows, cores);
  }

  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  console.log(
    "\nMemory of each server after its last row (MiB): RSS; the main thread's V8 heap (allocated, of it in use); external (Buffers, native objects held from JS); the rest (code, Node and V8 themselves, the worker threads' heaps, argon2id's and SQLite's native memory, malloc's retained pages)\n",
  );
  console.log("| server      | peak RSS | RSS now | V8 heap | in use | external | the rest |");
  console.log("|-------------|---------:|--------:|--------:|-------:|---------:|---------:|");
  for (const { label } of targets) {
    const last = results.filter((row) => row.target === label).at(-1);
    if (last === undefined) continue;
    const { rss, heapTotal, heapUsed, external } = last.probe.memory;
    console.log(
      `| ${label.padEnd(11)} | ${mib(last.probe.peakRSSBytes).padStart(8)} | ${mib(rss).padStart(7)} | ${mib(heapTotal).padStart(7)} | ${mib(heapUsed).padStart(6)} | ${mib(external).padStart(8)} | ${mib(rss - heapTotal - external).padStart(8)} |`,
    );
  }

  const large = targets.filter((t) => t.seededUsers > 1000);
  if (large.length > 0) {
    console.log("\nA million users against about a thousand, same run, rows seconds apart\n");
    console.log(
      "| route                                 | database | ~1k users req/s | 1M users req/s | change |",
    );
    console.log(
      "|---------------------------------------|----------|----------------:|---------------:|-------:|",
    );
    for (const route of manyUsersScenarios) {
      for (const many of large) {
        const few = small.find((t) => t.backend === many.backend);
        const a = few === undefined ? undefined : find(route, few.label);
        const b = find(route, many.label);
        if (a === undefined || b === undefined) continue;
        const change = b.perSecond / a.perSecond - 1;
        console.log(
          `| ${route.padEnd(37)} | ${many.backend.padEnd(8)} | ${a.perSecond.toFixed(0).padStart(15)} | ${b.perSecond.toFixed(0).padStart(14)} | ${`${change >= 0 ? "+" : ""}${percent(change)}`.padStart(6)} |`,
        );
        verdicts.push({
          target: `${route.replace(" (argon2id)", "")}: 1M users within 10 % of 1k`,
          database: many.backend,
          measured: `${change >= 0 ? "+" : ""}${percent(change)}`,
          bound: ">= -10 %",
          pass: change >= -0.1,
        });
      }
    }
  }

  for (const target of targets) {
    const rows = results.filter((r) => r.target === target.label);
    if (rows.length === 0) continue;
    const loop = Math.max(...rows.map((r) => r.probe.eventLoopDelayP99Ms));
    const rss = Math.max(...rows.map((r) => r.probe.peakRSSBytes)) / 2 ** 20;
    verdicts.push({
      target: "event-loop delay p99 (worst scenario)",
      database: target.label,
      measured: `${loop.toFixed(1)} ms`,
      bound: "< 50 ms",
      pass: loop < 50,
    });
    verdicts.push({
      target: "peak RSS of the server",
      database: target.label,
      measured: `${rss.toFixed(0)} MB`,
      bound: "< 200 MB",
      pass: rss < 200,
    });
  }

  console.log("\nTargets (docs/performance.md, Performance gate)\n");
  console.log(
    "| target                                              | database | measured | bound    | result |",
  );
  console.log(
    "|-----------------------------------------------------|----------|---------:|----------|--------|",
  );
  for (const v of verdicts) {
    console.log(
      `| ${v.target.padEnd(51)} | ${v.database.padEnd(8)} | ${v.measured.padStart(8)} | ${v.bound.padEnd(8)} | ${v.pass ? "PASS" : "FAIL"}   |`,
    );
  }
}

/**
 * Where the machine's CPU went in each argon2id row, per request (cpu-split.ts): the machine's
 * time (cores x the row's seconds / its requests) against what one request may take at 85 % of the
 * ceiling (the argon2id time every core running one / 0.85), and how the machine's time divided.
 */
function printCPUSplit(rows: readonly Measured[], cores: number): void {
  const split = rows.filter((row) => row.cpuSplit !== null);
  if (split.length === 0) return;
  console.log(
    `\nWhere the ${cores} cores' time went in those rows, ms per request: the machine's in all (${cores} x the row's seconds / its requests) and what a request may take at 85 % of the ceiling; the server's threads by kind (hashing pool: libuv's threads, argon2id and some file and crypto work; worker threads: the password screen's); the benchmark's clients (its whole process); mysqld's; the rest (the kernel's own work, other processes); time no core worked; and the server's minor page faults per request (memory the kernel mapped for it)\n`,
  );
  const columns = [
    "at 85 %",
    "machine",
    ...threadKinds,
    "clients",
    "mysqld",
    "rest",
    "idle",
    "faults",
  ] as const;
  console.log(`| route                                 | database | ${columns.join(" | ")} |`);
  console.log(
    `|---------------------------------------|----------|${columns.map((c) => `${"-".repeat(c.length + 1)}:`).join("|")}|`,
  );
  for (const row of split) {
    const { cpuSplit, argon2 } = row;
    if (cpuSplit === null || argon2 === undefined) continue;
    const perRequest = (micros: number) => micros / 1000 / Math.max(1, row.requests);
    const login = row.scenario.includes("login");
    const server = threadKinds.map((kind) => perRequest(cpuSplit.serverThreads[kind]));
    const machine = perRequest(cpuSplit.total);
    const idle = perRequest(cpuSplit.idle);
    const clients = perRequest(cpuSplit.benchmark);
    const mysqld = row.databaseCPUMicros === null ? null : row.databaseCPUMicros / 1000;
    const known = server.reduce((a, b) => a + b, 0) + clients + (mysqld ?? 0) + idle;
    const values = [
      (login ? argon2.verifyAllCoresMs : argon2.hashAllCoresMs) / 0.85,
      machine,
      ...server,
      clients,
      mysqld,
      machine - known,
      idle,
      cpuSplit.serverMinorFaults / Math.max(1, row.requests),
    ];
    console.log(
      `| ${row.scenario.padEnd(37)} | ${row.target.padEnd(8)} | ${values
        .map((value, i) =>
          (value === null ? "-" : value.toFixed(columns[i] === "faults" ? 0 : 2)).padStart(
            columns[i]?.length ?? 0,
          ),
        )
        .join(" | ")} |`,
    );
  }
}

/** The scenarios also run on the million-users databases (the others do not read users by key). */
const manyUsersScenarios = new Set([
  "GET /api/v1/auth/me",
  "POST /api/v1/auth/login (argon2id)",
  "POST /api/v1/auth/register (argon2id)",
]);
const bareScenarioName = "GET /bare (bare Fastify: the ceiling)";

/**
 * argon2id in the benchmark's process, in ms per operation: one at a time (the median), and per
 * core while every core runs one (`cores` loops at once: elapsed time over the operations each
 * loop ran). The second is the ceiling's: with every core hashing, the hashes compete for the
 * memory bus and the shared cache (19 MiB each), and one takes 5-15 % longer than alone (on the
 * project's machine, 2026-11-30: 92-105 verifications per second with two at once, against
 * 104-111 for twice the rate of one at a time).
 */
interface Argon2Timing {
  readonly verifyMs: number;
  readonly hashMs: number;
  readonly verifyAllCoresMs: number;
  readonly hashAllCoresMs: number;
}

async function measureArgon2(cores: number): Promise<Argon2Timing> {
  const hasher = createArgon2PasswordHasher();
  const hash = await hasher.hashPassword(password);
  const verify = () => hasher.verifyPassword({ hash, password });
  const hashOne = () => hasher.hashPassword(password);
  const timed = async (work: () => Promise<unknown>, count: number) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await work();
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const onEveryCore = async (work: () => Promise<unknown>, perCore: number) => {
    const t = performance.now();
    await Promise.all(
      Array.from({ length: cores }, async () => {
        for (let i = 0; i < perCore; i++) await work();
      }),
    );
    return (performance.now() - t) / perCore;
  };
  await timed(verify, 2);
  return {
    verifyMs: await timed(verify, 15),
    hashMs: await timed(hashOne, 7),
    // 20 and 12 per core (0.5 s and 0.3 s): with 8 and 5 one hiccup moved the ceiling by 10-30 %.
    verifyAllCoresMs: await onEveryCore(verify, 20),
    hashAllCoresMs: await onEveryCore(hashOne, 12),
  };
}

/** The faster of two timings, each figure on its own (a hiccup during one must not set the ceiling). */
function fasterArgon2(a: Argon2Timing, b: Argon2Timing): Argon2Timing {
  return {
    verifyMs: Math.min(a.verifyMs, b.verifyMs),
    hashMs: Math.min(a.hashMs, b.hashMs),
    verifyAllCoresMs: Math.min(a.verifyAllCoresMs, b.verifyAllCoresMs),
    hashAllCoresMs: Math.min(a.hashAllCoresMs, b.hashAllCoresMs),
  };
}

/**
 * The bare route first (the ceiling), then each scenario on every target in turn (SQLite, SQLite
 * with a million users, MySQL, MySQL with a million users, then the next scenario), so the rows
 * of a scenario are measured within seconds of each other on a machine whose load drifts; then
 * the ceilings, the million-users comparison, the targets, and the timing comparison. Prints
 * Markdown tables.
 */
async function benchmark(targets: readonly Target[], bare: Server & { pool: Pool }): Promise<void> {
  const cores = availableParallelism();
  console.log(
    `\nSuperOAuth benchmark on ${targets.map((t) => t.label).join(", ")}: ${concurrency} concurrent clients, ${durationMs / 1000} s per scenario, Node ${process.version}, SQLite ${process.versions.sqlite}, load average ${loadAverage()}\n`,
  );
  console.log(
    "server µs/req: the server process's CPU per request; db µs/req: mysqld's (all its clients'); loop p99: event-loop delay inside the server; peak RSS: the server's so far.\n",
  );
  // BENCH_ONLY=<text>[,<text>...]: the scenarios whose name contains one of the texts.
  const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
  const chosen = (name: string) => only === undefined || only.some((part) => name.includes(part));
  const chosenScenarios = (targets[0]?.scenarios ?? []).filter((scenario) => chosen(scenario.name));
  const results: Measured[] = [];
  if (chosenScenarios.length > 0) console.log(tableHeader);
  if (
    chosenScenarios.some((s) => s.name === "GET /api/v1/auth/me" || s.name === "POST /api/v1/auth/refresh")
  ) {
    const bareScenario: Scenario = {
      name: bareScenarioName,
      async send() {
        const response = await bare.pool.request({ method: "GET", path: "/bare" });
        await response.body.dump();
        return response.statusCode;
      },
    };
    results.push(await runScenario(bareScenario, { ...bare, label: "-" }));
  }
  for (const { name } of chosenScenarios) {
    for (const target of targets) {
      if (target.seededUsers > 1000) continue;
      const scenario = target.scenarios.find((s) => s.name === name);
      if (scenario === undefined) continue;
      // The machine's speed drifts (a shared host): the ceiling is timed again before each row, and
      // after it (below), and the faster of the two is kept: a hiccup while one is timed (a median
      // of 83 ms against 38 once, 19:52) would otherwise lower the ceiling and flatter the row.
      const before = name.includes("argon2") ? await measureArgon2(cores) : undefined;
      const small = { ...target.server, label: target.label };
      const many = targets.find((t) => t.backend === target.backend && t.seededUsers > 1000);
      const manyScenario = many?.scenarios.find((s) => s.name === name);
      let rows: Measured[];
      if (many === undefined || manyScenario === undefined || !manyUsersScenarios.has(name)) {
        rows = [await runScenario(scenario, small)];
      } else {
        // A-B-A: half the thousand-users row, the million-users row, the other half, so a drift of
        // the machine's speed during the three falls on both rows alike.
        const half = (scenario.durationMs ?? durationMs) / 2;
        const first = await runStretch(scenario, small, half, `${name}-${target.label}`);
        const large = await runStretch(
          manyScenario,
          { ...many.server, label: many.label },
          2 * half,
          `${name}-${many.label}`,
        );
        const second = await runStretch(scenario, small, half, `${name}-${target.label}-second-half`);
        rows = [
          measured(scenario, target.label, [first, second]),
          measured(manyScenario, many.label, [large]),
        ];
      }
      const after = before === undefined ? undefined : await measureArgon2(cores);
      const argon2 = before === undefined || after === undefined ? undefined : fasterArgon2(before, after);
      for (const row of rows) results.push(argon2 === undefined ? row : { ...row, argon2 });
    }
  }
  if (results.length > 0) summarize({ results, targets, cores });

  if (only === undefined || only.some((part) => "timing: known vs unknown address".includes(part))) {
    // A registered, unverified account: both routes have per-account work to do for it (a reset
    // mail; a new verification mail), none for an address nobody registered. The per-address
    // mail allowance stops the mails after three an hour, but not the lookups.
    console.log(
      `\nTiming: ${timingSamples} sequential samples per address and route, medians in ms, gap = (known - unknown) / unknown, load average ${loadAverage()}\n`,
    );
    console.log(
      "| route                             | database | samples | known ms | unknown ms |      gap |",
    );
    console.log(
      "|-----------------------------------|----------|--------:|---------:|-----------:|---------:|",
    );
    const gaps: number[] = [];
    for (const path of ["/api/v1/auth/forgot-password", "/api/v1/auth/resend-verification"]) {
      for (const { backend, pool, run, knownEmail } of targets.filter((t) => t.seededUsers <= 1000)) {
        let n = 0;
        const unknown = () => `nobody-${run}-${n++}@example.com`;
        const { row, gapPercent } = await compareKnownAndUnknown({
          backend,
          pool,
          path,
          known: knownEmail,
          unknown,
        });
        console.log(row);
        gaps.push(gapPercent);
      }
    }
    const widest = Math.max(...gaps.map(Math.abs));
    console.log(`\nwidest gap ${widest.toFixed(1)} %: ${widest <= 10 ? "within" : "OUTSIDE"} the 10 % bound`);
  }
  console.log(`\nload average at the end ${loadAverage()}`);
}

/** The 1-, 5- and 15-minute load averages and the core count, as `uptime` shows them. */
function loadAverage(): string {
  return `${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")} on ${availableParallelism()} cores`;
}

const backends = ["sqlite", "mysql"] as const;
type BackendName = (typeof backends)[number];
interface Backend {
  readonly backend: BackendName;
  readonly databaseURL: string;
}

const { values: options } = parseArgs({
  options: { database: { type: "string", multiple: true } },
  strict: true,
});
const chosen = options.database ?? [...backends];
const unknownBackend = chosen.find((name) => !backends.some((b) => b === name));
if (unknownBackend !== undefined) {
  throw new Error(`--database ${unknownBackend}: expected one of ${backends.join(", ")}`);
}
// A fresh SQLite file per run (removed after), like a fresh `pnpm start` on a laptop; MySQL's
// database is created and migrated on start, and kept. The million-users databases are kept on
// both (seeding a million users takes seconds on SQLite, a minute or two on MySQL).
const sqliteFile = resolve(tmpdir(), `superoauth-bench-${process.pid}.db`);
const urls: Record<BackendName, string> = {
  sqlite: process.env.BENCH_SQLITE_URL ?? `sqlite:${sqliteFile}`,
  mysql: process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/superoauth_bench",
};
const manyUsers = Number(process.env.BENCH_MANY_USERS ?? 1_000_000);
const manyLabel = manyUsers >= 1_000_000 ? `${manyUsers / 1_000_000}M` : `${manyUsers / 1000}k`;
const manyUsersURLs: Record<BackendName, string> = {
  sqlite:
    process.env.BENCH_SQLITE_MANY_URL ??
    `sqlite:${resolve(tmpdir(), `superoauth-bench-${manyLabel.toLowerCase()}.db`)}`,
  mysql:
    process.env.BENCH_MYSQL_MANY_URL ??
    `mysql://root@127.0.0.1:3306/superoauth_bench_${manyLabel.toLowerCase()}`,
};
console.log(`pnpm bench ${chosen.map((b) => `--database ${b}`).join(" ")}, load average ${loadAverage()}`);
const targets: Target[] = [];
let bare: (Server & { pool: Pool }) | undefined;
try {
  for (const backend of backends) {
    if (!chosen.includes(backend)) continue;
    targets.push(
      await startTarget({
        backend,
        databaseURL: urls[backend],
        label: backend,
        seededUsers: 1000,
        oidc: true,
      }),
    );
    if (manyUsers > 1000)
      targets.push(
        await startTarget({
          backend,
          databaseURL: manyUsersURLs[backend],
          label: `${backend} ${manyLabel}`,
          seededUsers: manyUsers,
          oidc: false,
        }),
      );
  }
  const bareServer = await startProcess({
    script: resolve(import.meta.dirname, "bare-server.ts"),
    readyPath: "/bare",
    env: () => ({ NODE_ENV: "production" }),
  });
  bare = { ...bareServer, pool: new Pool(bareServer.url, { connections: concurrency, pipelining: 1 }) };
  await benchmark(targets, bare);
} finally {
  for (const { pool, server } of [
    ...targets,
    ...(bare === undefined ? [] : [{ pool: bare.pool, server: bare }]),
  ]) {
    await pool.close();
    await server.stop();
  }
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${sqliteFile}${suffix}`, { force: true });
}
