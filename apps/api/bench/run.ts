// pnpm bench [--database sqlite|mysql]: for each backend (both by default, one after the other),
// starts the service as its own process on 127.0.0.1 (as `pnpm start` does, rate limits off), then
// drives the hot paths with a bounded closed-loop load from this process and prints throughput and
// latency percentiles (the API's hot paths, and the OpenID provider's token endpoint and
// introspection for a confidential app registered through /api/v1/apps), then compares the latency of the mail-sending requests for a known and an
// unknown address. Results and method: docs/performance.md.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Pool } from "undici";

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
// Random, so the password screen (docs/decisions/0014-password-screening.md) accepts it.
const password = "Kx7#mQ2v-Lr9!pT";
const timingSamples = Number(process.env.BENCH_TIMING_SAMPLES ?? 200);

interface Scenario {
  readonly name: string;
  /** One request; returns the HTTP status. `worker` is stable per concurrent client. */
  readonly send: (worker: number) => Promise<number>;
  readonly durationMs?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function runScenario(scenario: Scenario, backend: BackendName): Promise<string> {
  const latencies: number[] = [];
  let failures = 0;
  const until = performance.now() + (scenario.durationMs ?? durationMs);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < until) {
        const t = performance.now();
        const status = await scenario.send(worker);
        latencies.push(performance.now() - t);
        if (status >= 400) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2).padStart(8);
  return `| ${scenario.name.padEnd(38)} | ${backend.padEnd(8)} | ${String(latencies.length).padStart(7)} | ${(latencies.length / seconds).toFixed(0).padStart(7)} | ${f(percentile(latencies, 50))} | ${f(percentile(latencies, 95))} | ${f(percentile(latencies, 99))} | ${String(failures).padStart(5)} |`;
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

async function startServer(databaseURL: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeOptions, resolve(import.meta.dirname, "../src/main.ts")], {
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      // Warnings only: per-request info lines would measure the logger, not the service.
      LOG_LEVEL: "warn",
      LOG_FILE: "",
      DATABASE_URL: databaseURL,
      // The same on every run: it encrypts the signing keys the server stores on its first start,
      // and the MySQL database is kept between runs (a new secret would not decrypt them). Not a
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
      APP_URL: `http://127.0.0.1:${port}`,
      OUTBOX_DIR: resolve(tmpdir(), "superoauth-bench-outbox"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Awaited by stop(), so the SQLite file is closed before the run removes it.
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error("server did not answer /health within 30 s");
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

interface TokenBody {
  readonly data: { readonly accessToken: string; readonly refreshToken: string };
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
  readonly pool: Pool;
  readonly server: { stop: () => Promise<void> };
  readonly run: string;
  readonly scenarios: readonly Scenario[];
  readonly knownEmail: string;
}

async function startTarget({ backend, databaseURL }: Backend): Promise<Target> {
  const server = await startServer(databaseURL);
  const pool = new Pool(server.url, { connections: concurrency, pipelining: 1 });
  // One account per worker, so refresh chains do not collide.
  const run = randomBytes(4).toString("hex");
  const accounts = await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const email = `bench-${run}-${i}@example.com`;
      const response = await post(pool, "/api/v1/auth/register", { email, password, nickname: `bench${i}` });
      if (response.status !== 201) throw new Error(`register failed on ${backend}: ${response.status}`);
      const { data } = await response.json();
      return { email, accessToken: data.accessToken, refreshToken: data.refreshToken };
    }),
  ).catch(async (error: unknown) => {
    await pool.close();
    await server.stop();
    throw error;
  });

  // A confidential app registered through the API (owned by the first account); one refresh token
  // per worker, each through the authorization-code flow of that worker's account, so each
  // worker's rotation chain is its own; and one client-credentials access token to introspect.
  const oidc = await (async () => {
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
      async send(worker) {
        const response = await post(pool, "/api/v1/auth/login", { email: accounts[worker]?.email, password });
        await response.json();
        return response.status;
      },
    },
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
      async send() {
        const response = await tokenRequest(pool, "/oidc/token/introspection", oidc.authorization, {
          token: oidc.accessToken,
        });
        return response.status === 200 && response.body.active !== true ? 598 : response.status;
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
  // A registered, unverified account, for the timing comparison.
  return { backend, pool, server, run, scenarios, knownEmail: accounts[0]?.email ?? "" };
}

/**
 * Each scenario on every backend in turn (SQLite, then MySQL, then the next scenario), so the two
 * rows of a scenario are measured within seconds of each other on a machine whose load drifts;
 * then the timing comparison on each. Prints Markdown tables.
 */
async function benchmark(targets: readonly Target[]): Promise<void> {
  console.log(
    `\nSuperOAuth benchmark on ${targets.map((t) => t.backend).join(" and ")}: ${concurrency} concurrent clients, ${durationMs / 1000} s per scenario, Node ${process.version}, SQLite ${process.versions.sqlite}, load average ${loadAverage()}\n`,
  );
  const only = process.env.BENCH_ONLY;
  const chosenScenarios = (targets[0]?.scenarios ?? []).filter(
    (scenario) => only === undefined || scenario.name.includes(only),
  );
  if (chosenScenarios.length > 0) {
    console.log(
      "| scenario                               | database | requests |   req/s |  p50 ms |  p95 ms |  p99 ms | errors |",
    );
    console.log(
      "|----------------------------------------|----------|---------:|--------:|--------:|--------:|--------:|-------:|",
    );
  }
  for (const { name } of chosenScenarios) {
    for (const target of targets) {
      const scenario = target.scenarios.find((s) => s.name === name);
      if (scenario !== undefined) console.log(await runScenario(scenario, target.backend));
    }
  }

  if (only === undefined || "timing: known vs unknown address".includes(only)) {
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
      for (const { backend, pool, run, knownEmail } of targets) {
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
    .join(", ")} on ${cpus().length} cores`;
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
// database is created and migrated by the server on start, and kept.
const sqliteFile = resolve(tmpdir(), `superoauth-bench-${process.pid}.db`);
const urls: Record<BackendName, string> = {
  sqlite: process.env.BENCH_SQLITE_URL ?? `sqlite:${sqliteFile}`,
  mysql: process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/superoauth_bench",
};
console.log(`pnpm bench ${chosen.map((b) => `--database ${b}`).join(" ")}, load average ${loadAverage()}`);
const targets: Target[] = [];
try {
  for (const backend of backends) {
    if (chosen.includes(backend)) targets.push(await startTarget({ backend, databaseURL: urls[backend] }));
  }
  await benchmark(targets);
} finally {
  for (const { pool, server } of targets) {
    await pool.close();
    await server.stop();
  }
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${sqliteFile}${suffix}`, { force: true });
}
