import {
  enableTwoFactorFor,
  ScriptedOAuthProviderGateway,
  tokenFromMail,
} from "@superoauth/application/testing";
import {
  type ErrorCode,
  errorCodes,
  type OAuthProviderId,
  oauthProviderIds,
  parseRefreshToken,
} from "@superoauth/domain";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { createMetrics, errorStatus } from "../src/index.ts";
import {
  type FuzzRequest,
  type Marker,
  markers,
  type RouteFuzz,
  requestsFor,
  routeFuzz,
} from "./fuzz-requests.ts";
import { servedRoutes } from "./served-routes.ts";
import { buildTestApp, capturingLogger, type TestAppOptions, type TestDependencies } from "./test-app.ts";

// Every route the app serves, fuzzed through inject() on in-memory ports (docs/reliability.md):
// whatever arrives, the answer is never a 5xx, an error is always the contract's envelope with a
// known code and the status the table gives it, and the app keeps answering. FUZZ_RUNS sets the
// cases per route (default 1,000); fast-check prints seed and path on failure, and FUZZ_SEED (with
// FUZZ_PATH for the failing case alone) replays them. RELIABILITY_REPORT prints outcomes by kind.
//
// The routes are fuzzed in shards, the files fuzz-<n>.test.ts, each taking every `fuzzShards`-th
// route: one file took two to three minutes on one worker while the other did the rest of the suite.

const runs = Number(process.env.FUZZ_RUNS ?? 1_000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** With FUZZ_SEED, replays only the failing case fast-check named (its `path`). */
const path = process.env.FUZZ_PATH;
const knownCodes = new Set<string>(errorCodes);

async function fuzzApp(
  options: Pick<TestAppOptions, "replaceUseCases"> = {},
): Promise<{ app: FastifyInstance; deps: TestDependencies; log: unknown[][] }> {
  const log: unknown[][] = [];
  const { app, deps } = await buildTestApp({
    ...options,
    logger: capturingLogger(log),
    metrics: createMetrics({ processMetrics: false }),
    cookieSecret: "cookie-secret-for-fuzzing-0123456789abcdef",
    oauth: { successRedirectURL: "https://app.example/oauth/complete", secureCookies: true },
    // Limits on, so their hook is fuzzed too, but far above what one run spends.
    rateLimit: {
      enabled: true,
      windowMs: 60_000,
      loginMax: 1e9,
      registerMax: 1e9,
      generalMax: 1e9,
      emailMax: 1e9,
    },
  });
  // Every provider configured: an unconfigured one answers OAUTH_INIT_FAILED 500 by the contract,
  // a deployment's choice rather than something a request can cause.
  const providers = deps.oauthProviders as Partial<Record<OAuthProviderId, ScriptedOAuthProviderGateway>>;
  for (const id of oauthProviderIds) {
    providers[id] = new ScriptedOAuthProviderGateway(id, {
      supportsPKCE: id === "google" || id === "discord",
    });
  }
  return { app, deps, log };
}

/** Live values for the markers a request uses, from a fresh account made for it alone. */
async function liveValues(
  target: { app: FastifyInstance; deps: TestDependencies },
  used: Marker[],
  serial: number,
): Promise<Map<Marker, string>> {
  const values = new Map<Marker, string>();
  if (used.length === 0) return values;
  const { app, deps } = target;
  const email = `fuzz-${serial}@example.com`;
  const password = "Kx7#mQ2v-Lr9!pT";
  const post = (url: string, payload: object, accessToken?: string) =>
    app.inject({
      method: "POST",
      url: `/api/v1${url}`,
      payload,
      ...(accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } }),
    });
  const registered = await post("/auth/register", { email, password, nickname: `fuzz_${serial}` });
  if (registered.statusCode !== 201) throw new Error(`fixture: register failed: ${registered.body}`);
  const data = registered.json().data as { user: { id: string }; accessToken: string; refreshToken: string };
  values.set("$$email", email).set("$$password", password);
  values.set("$$accessToken", data.accessToken).set("$$refreshToken", data.refreshToken);
  if (used.includes("$$sessionId")) {
    const sessions = await app.inject({
      url: "/api/v1/auth/sessions",
      headers: { authorization: `Bearer ${data.accessToken}` },
    });
    values.set("$$sessionId", sessions.json().data.sessions[0].id);
  }
  if (used.some((m) => m === "$$mfaToken" || m === "$$totpCode" || m === "$$backupCode")) {
    const refreshTokenId = parseRefreshToken(data.refreshToken)?.id;
    const stored = refreshTokenId === undefined ? null : await deps.sessions.findRefreshToken(refreshTokenId);
    if (stored === null) throw new Error("fixture: registration opened no session");
    const { backupCodes, codeNow } = await enableTwoFactorFor(deps, stored.session);
    const login = await post("/auth/login", { email, password });
    values.set("$$mfaToken", login.json().data.mfaToken);
    values.set("$$totpCode", codeNow()).set("$$backupCode", backupCodes[0] ?? "");
  }
  if (used.includes("$$resetToken")) {
    await post("/auth/forgot-password", { email });
    const mail = deps.mailer.sentTo(email).findLast((m) => /reset/i.test(m.subject));
    if (mail !== undefined) values.set("$$resetToken", tokenFromMail(mail));
  }
  if (used.includes("$$verificationToken")) {
    await post("/auth/resend-verification", { email });
    const mail = deps.mailer.sentTo(email).findLast((m) => /verif/i.test(m.subject));
    if (mail !== undefined) values.set("$$verificationToken", tokenFromMail(mail));
  }
  return values;
}

function withLiveValues(request: FuzzRequest, values: Map<Marker, string>): FuzzRequest {
  const fill = (text: string, encode: (value: string) => string) => {
    let filled = text;
    for (const [name, value] of values) filled = filled.replaceAll(name, encode(value));
    return filled;
  };
  const inJSONString = (value: string) => JSON.stringify(value).slice(1, -1);
  return {
    method: request.method,
    url: fill(request.url, encodeURIComponent),
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, fill(v, String)])),
    payload: typeof request.payload === "string" ? fill(request.payload, inJSONString) : request.payload,
  };
}

function markersIn(request: FuzzRequest): Marker[] {
  const text = `${request.url} ${Object.values(request.headers).join(" ")} ${typeof request.payload === "string" ? request.payload : ""}`;
  return markers.filter((m) => text.includes(m));
}

/** The outcome's kind for the tally: "200", "302", "401 INVALID_TOKEN"... */
function check(
  request: FuzzRequest,
  fuzz: RouteFuzz,
  response: LightMyRequestResponse,
  log: unknown[][],
): string {
  const status = response.statusCode;
  if (status >= 500) {
    throw new Error(
      `${status} for ${request.method} ${request.url}: ${response.body}\nlog: ${JSON.stringify(log.at(-1))}`,
    );
  }
  if (request.method === "HEAD") {
    expect(response.body).toBe("");
    return String(status);
  }
  if (status >= 400) {
    const body = response.json() as { error: ErrorCode };
    expect(body).toStrictEqual({
      success: false,
      error: expect.any(String),
      message: expect.stringMatching(/\S/),
    });
    expect(knownCodes.has(body.error), `unknown code ${body.error}`).toBe(true);
    expect(status, `${body.error} with the wrong status`).toBe(errorStatus[body.error]);
    return `${status} ${body.error}`;
  }
  if (status >= 300) {
    expect(response.headers.location).toEqual(expect.any(String));
  } else if (fuzz.page !== true) {
    expect(response.json()).toMatchObject({ success: true });
  }
  return String(status);
}

const routes = servedRoutes((await fuzzApp()).app);
const tally = new Map<string, Map<string, number>>();

/** The entry that fuzzes a route: its own, or its GET's for the HEAD route Fastify adds to each GET. */
function fuzzOf(route: string): RouteFuzz | undefined {
  return (
    routeFuzz[route] ?? (route.startsWith("HEAD ") ? routeFuzz[route.replace(/^HEAD/, "GET")] : undefined)
  );
}

/** The property fuzzing one route: each generated request, with live values filled in, passes `check`. */
function propertyOf(input: {
  target: Awaited<ReturnType<typeof fuzzApp>>;
  route: string;
  fuzz: RouteFuzz;
  kinds: Map<string, number>;
}) {
  const { target, route, fuzz, kinds } = input;
  let serial = 0;
  return fc.asyncProperty(requestsFor(route, fuzz), async (generated) => {
    serial++;
    const request = withLiveValues(generated, await liveValues(target, markersIn(generated), serial));
    const response = await target.app.inject({
      method: request.method as "GET",
      url: request.url,
      headers: request.headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
    const kind = check(request, fuzz, response, target.log);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  });
}

/** How many fuzz-<n>.test.ts files share the routes. */
export const fuzzShards = 2;

/** The routes of one shard (0-based): every `fuzzShards`-th, so that each has some of each kind. */
export function routesOfShard(shard: number): string[] {
  return routes.filter((_, index) => index % fuzzShards === shard);
}

/**
 * The tests of one shard. The first also checks that the routes and the generators match, and that
 * the property can fail.
 */
export function fuzzShard(shard: number): void {
  afterAll(() => {
    if (process.env.RELIABILITY_REPORT === undefined) return;
    for (const route of routesOfShard(shard)) {
      const kinds = tally.get(route) ?? new Map<string, number>();
      const total = [...kinds.values()].reduce((a, b) => a + b, 0);
      const kindsText = [...kinds]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ");
      console.log(`${route} | ${total} | ${kindsText}`);
    }
  });

  describe(`fuzzing every route, shard ${shard + 1} of ${fuzzShards}`, () => {
    if (shard === 0) checksOfTheFuzzer();
    fuzzEach(routesOfShard(shard));
  });
}

function checksOfTheFuzzer(): void {
  it("finds the routes from the app itself, and has a generator for each (and no generator without a route)", () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes).toContain("POST /api/v1/auth/login");
    expect(routes.filter((route) => fuzzOf(route) === undefined)).toStrictEqual([]);
    expect(Object.keys(routeFuzz).filter((route) => !routes.includes(route))).toStrictEqual([]);
  });

  it("shares every route among the shards, each once", () => {
    const shards = Array.from({ length: fuzzShards }, (_, shard) => routesOfShard(shard));
    expect(shards.flat().sort()).toStrictEqual([...routes].sort());
    expect(Math.min(...shards.map((s) => s.length))).toBeGreaterThanOrEqual(
      Math.floor(routes.length / fuzzShards),
    );
  });

  it("can fail: a use case that throws is caught as a 5xx, with the seed to replay it", async () => {
    // A use case the fixtures never call themselves (they register, sign in and read mails), so
    // every failure is the route's own 500, whatever markers a random request carries.
    const target = await fuzzApp({
      replaceUseCases: (useCases) => ({
        ...useCases,
        listOAuthProviders: () => {
          throw new Error("a bug");
        },
      }),
    });
    try {
      const route = "GET /api/v1/oauth/providers";
      const fuzz = fuzzOf(route) ?? {};
      const details = await fc.check(propertyOf({ target, route, fuzz, kinds: new Map() }), { numRuns: 200 });

      expect(details.failed).toBe(true);
      expect(String(details.errorInstance)).toContain("500 for GET /api/v1/oauth/providers");
      expect(fc.defaultReportMessage(details)).toMatch(/seed: -?\d+, path: "[\d:]+"/);
    } finally {
      await target.app.close();
    }
  });
}

function fuzzEach(shardRoutes: string[]): void {
  it.each(shardRoutes)(
    `%s: ${runs} random requests, never a 5xx, errors always the envelope`,
    { timeout: 120_000 },
    async (route) => {
      const fuzz = fuzzOf(route);
      if (fuzz === undefined) throw new Error(`no generator for ${route}`);
      const target = await fuzzApp();
      const kinds = new Map<string, number>();
      tally.set(route, kinds);
      try {
        await fc.assert(propertyOf({ target, route, fuzz, kinds }), {
          numRuns: runs,
          ...(seed === undefined ? {} : { seed }),
          ...(path === undefined ? {} : { path }),
        });
        // The app still answers after all that.
        expect((await target.app.inject({ url: "/health" })).statusCode).toBe(200);
      } finally {
        await target.app.close();
      }
    },
  );
}
