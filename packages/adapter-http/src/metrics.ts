import { BlockList, isIPv4, isIPv6 } from "node:net";
import {
  type MailKind,
  mailKinds,
  type ObservedEvent,
  type ObservedProviderExchangeResult,
  type Observer,
} from "@superoauth/application";
import { oauthProviderIds } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** How a queued export job ended (the export worker reports it). */
export type ExportJobOutcome = "succeeded" | "failed" | "expired";

/** The export queue right now, across every instance: jobs waiting for a worker, and jobs being written. */
export interface ExportQueueDepth {
  readonly pending: number;
  readonly running: number;
}

/** The export queue's metrics: its depth, read on every scrape, and each job's end, which the worker reports. */
export interface ExportJobMetrics {
  /**
   * Reads the queue's depth on every scrape (the composition root passes the export store's count).
   * Read at scrape time rather than set by the worker's poll: the worker does not poll while it writes
   * a long export, may be stopped, and is one of N; the scrape's count is exact whenever it is taken,
   * and costs one indexed query per scrape. A read that fails (the database is down) reports no
   * depth rather than a stale one, and the rest of the scrape is still served.
   */
  watchQueueDepth(read: () => Promise<ExportQueueDepth>): void;
  recordJob(outcome: ExportJobOutcome): void;
}

/** How a third-party app's refresh-token exchange ended (the OpenID provider reports it). */
export type ThirdPartyRefreshResult = "rotated" | "reuse_detected" | "rejected";
/** How one logout token's delivery to an app's back-channel logout URI ended (ADR 0073). */
export type BackchannelLogoutResult = "delivered" | "failed";

/** How a background task ended: ran, failed, or dropped unrun (the queue was full). */
export type BackgroundTaskOutcome = "succeeded" | "failed" | "dropped";

/**
 * The background tasks the use cases queue (their `name`s), whose series exist from the start so
 * that increase() counts a first failure. A name not listed still counts, from its first event.
 */
const knownBackgroundTasks = ["password-reset-mail", "verification-mail"] as const;

/** How one mail delivery attempt ended: delivered, failed with a retry to come, or given up. */
export type MailDeliveryOutcome = "delivered" | "retrying" | "failed";

/** The database pool right now: connections it may open, those lent out, and callers waiting for one. */
export interface DatabasePoolUsage {
  readonly max: number;
  readonly inUse: number;
  readonly waiting: number;
}

/** The file system under an SQLite database: bytes still writable, and its size. */
export interface DatabaseDiskSpace {
  readonly availableBytes: number;
  readonly totalBytes: number;
}

/**
 * The service's Prometheus metrics (prom-client, one registry per service, so tests can build
 * several). The use cases report through `observer` (the application's Observer port); the other
 * adapters through the plain functions below, wired by the composition root; the HTTP app records
 * every request itself. docs/operations.md lists the series and what to alert on.
 */
export interface Metrics {
  /** For the use cases (Dependencies.observer): sign-ins, sign-ups, lockouts, refreshes. */
  readonly observer: Observer;
  /**
   * For the OpenID provider: how each refresh-token exchange of a third-party app at `/oidc/token`
   * ended (the first-party `/auth/refresh` reports through `observer`).
   */
  recordThirdPartyRefresh(result: ThirdPartyRefreshResult): void;
  /**
   * For the provider's back-channel logout: how each logout token's delivery ended (`failed`: the
   * app answered other than 200 or 204, did not answer within the timeout, or could not be reached).
   * The sign-out did not wait for it, so nothing else shows one that failed.
   */
  recordBackchannelLogout(result: BackchannelLogoutResult): void;
  /** For limitHashingConcurrency: how long a password hash waited for a turn. */
  recordHashingQueueWait(seconds: number): void;
  /** For the background mailer: how each delivery attempt ended, and of which kind of mail. */
  recordMailDelivery(outcome: MailDeliveryOutcome, kind: MailKind): void;
  /**
   * For the in-process background queue (forgot-password, resend-verification): how each task
   * ended. The request answered 200 before the task ran, so nothing else shows one that failed.
   */
  recordBackgroundTask(task: string, outcome: BackgroundTaskOutcome): void;
  /** For the export worker. */
  readonly exportJobs: ExportJobMetrics;
  /** Reads the database pool on every scrape; null (SQLite: no pool) reports nothing. */
  watchDatabasePool(read: () => DatabasePoolUsage | null): void;
  /** How many must-match settings (and the release) differ from other running instances right now. */
  watchSettingDifferences(read: () => number): void;
  /** Reads the room on the SQLite file's disk on every scrape (a full disk refuses every write). */
  watchDatabaseDisk(read: () => Promise<DatabaseDiskSpace | null>): void;
  /** The HTTP app's own: one finished request, by route pattern (never the raw URL). */
  recordRequest(input: { method: string; route: string; url: string; status: number; seconds: number }): void;
  /** The Prometheus text exposition of every series. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * How long a scrape waits for a reading that asks the database or the disk. A hung database held
 * each scrape for the driver's 5 s (the export queue's count), past a usual scrape timeout, and
 * Prometheus then shows the instance down, its process and request metrics lost with it, when only
 * the database is: /ready and the database alerts say that.
 */
const defaultReadingTimeoutMs = 1_000;

/** The reading, or a rejection once `ms` have passed without it. */
async function withinTime<T>(reading: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no reading within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
  }
}

const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The OpenID Connect provider's endpoints under /oidc (docs/decisions/0018), by path: the provider
 * may be mounted as one wildcard route, so the endpoint is read from the path, and only these
 * names ever become a label.
 */
const oidcEndpoints = new Set([
  "/auth",
  "/token",
  "/token/introspection",
  "/token/revocation",
  "/me",
  "/jwks",
  "/session/end",
  "/session/end/confirm",
  "/device",
  "/device/auth",
  "/request",
  "/reg",
]);

/** Which provider endpoint a path under /oidc is, as a bounded label; null outside /oidc. */
export function oidcEndpointOf(url: string): string | null {
  const path = url.split("?")[0] ?? "";
  if (path !== "/oidc" && !path.startsWith("/oidc/")) return null;
  const rest = path.slice("/oidc".length).replace(/\/+$/, "");
  if (oidcEndpoints.has(rest)) return rest;
  // Resuming an authorization after the hosted pages: /oidc/auth/<uid>.
  if (/^\/auth\/[^/]+$/.test(rest)) return "/auth/:uid";
  return "other";
}

/**
 * A labelled gauge's values at a scrape, from its readers (one per service wired to it): a reader
 * that fails, has nothing to report or is not back within `timeoutMs` leaves no value, as no figure
 * is better than a stale one (the cause shows on /ready).
 */
async function collectReadings<Label extends string, Reading>(
  gauge: Gauge<Label>,
  label: Label,
  readers: readonly (() => Promise<Reading | null>)[],
  valuesOf: (reading: Reading) => Record<string, number>,
  timeoutMs: number,
): Promise<void> {
  gauge.reset();
  for (const read of readers) {
    try {
      const reading = await withinTime(read(), timeoutMs);
      if (reading === null) continue;
      for (const [value, amount] of Object.entries(valuesOf(reading))) {
        gauge.set({ [label]: value } as Partial<Record<Label, string>>, amount);
      }
    } catch {
      // Left without a value; the dependency's own check reports it.
    }
  }
}

/**
 * prom-client's default process and Node.js series, collected once per process and shared by every
 * service's metrics: its collectors are never stopped (a GC observer and a 10 ms event-loop
 * monitor each call), so a set per service left both running after the service closed, about
 * 16 KB and a timer per start in a process that builds many (the tests). They describe the process,
 * which every service in it shares.
 */
let processSeries: Registry | undefined;

function processSeriesRegistry(): Registry {
  if (processSeries === undefined) {
    processSeries = new Registry();
    collectDefaultMetrics({ register: processSeries });
  }
  return processSeries;
}

/** Creates the metrics; `processMetrics` adds prom-client's default process and Node.js series. */
export function createMetrics(
  options: {
    processMetrics?: boolean;
    /** How long a scrape waits for the export queue's depth or the disk's room (default 1 s). */
    readingTimeoutMs?: number;
  } = {},
): Metrics {
  const readingTimeoutMs = options.readingTimeoutMs ?? defaultReadingTimeoutMs;
  const registry = new Registry();
  const registers = [registry];

  const requestDuration = new Histogram({
    name: "superoauth_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const rateLimited = new Counter({
    name: "superoauth_rate_limited_total",
    help: "Requests refused by the rate limits (429), by route pattern",
    labelNames: ["route"] as const,
    registers,
  });
  const oidcRequests = new Counter({
    name: "superoauth_oidc_requests_total",
    help: "Requests to the OpenID Connect provider (/oidc), by endpoint and status",
    labelNames: ["endpoint", "status"] as const,
    registers,
  });
  const signIns = new Counter({
    name: "superoauth_sign_ins_total",
    help: "Sign-in attempts, by method (password, totp, backup_code, a provider) and result (succeeded, second_factor_required or the error code)",
    labelNames: ["method", "result"] as const,
    registers,
  });
  const providerExchanges = new Counter({
    name: "superoauth_provider_exchanges_total",
    help: "Social providers' answers to a code exchange and profile read (sign-ins, links, re-authentications), by provider and result (succeeded, INVALID_AUTHORIZATION_CODE, TOKEN_EXCHANGE_FAILED, USER_INFO_FAILED)",
    labelNames: ["provider", "result"] as const,
    registers,
  });
  const registrations = new Counter({
    name: "superoauth_registrations_total",
    help: "Sign-ups, by method (password, a provider) and result (created, invalid, taken, unverified_email, failed)",
    labelNames: ["method", "result"] as const,
    registers,
  });
  const lockouts = new Counter({
    name: "superoauth_lockouts_total",
    help: "Failed sign-ins that locked an existing account's counter",
    registers,
  });
  const refreshes = new Counter({
    name: "superoauth_refreshes_total",
    help: "Refresh-token exchanges, by result (rotated, reissued, reuse_detected, rejected, refused)",
    labelNames: ["result"] as const,
    registers,
  });
  const thirdPartyRefreshes = new Counter({
    name: "superoauth_oidc_refreshes_total",
    help: "Third-party apps' refresh-token exchanges at /oidc/token, by result (rotated, reuse_detected: the app's grant was revoked, rejected)",
    labelNames: ["result"] as const,
    registers,
  });
  const backchannelLogouts = new Counter({
    name: "superoauth_oidc_backchannel_logouts_total",
    help: "Logout tokens POSTed to third-party apps' back-channel logout URIs, by result (delivered: 200 or 204; failed: another status, a timeout, a refused or unreachable address)",
    labelNames: ["result"] as const,
    registers,
  });
  const hashingQueueWait = new Histogram({
    name: "superoauth_password_hash_queue_wait_seconds",
    help: "Time a password hash (argon2id) waited for a free slot before running",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const mailDeliveries = new Counter({
    name: "superoauth_mail_deliveries_total",
    help: "Mail delivery attempts, by outcome (delivered, retrying, failed: given up) and kind (verification, password_reset, email_change, email_taken, security_notice, export_ready)",
    labelNames: ["outcome", "kind"] as const,
    registers,
  });
  const backgroundTasks = new Counter({
    name: "superoauth_background_tasks_total",
    help: "Background tasks (mails of forgot-password and resend-verification) by task and outcome (succeeded, failed, dropped: queue full)",
    labelNames: ["task", "outcome"] as const,
    registers,
  });
  // Registered before the export queue's depth: a scrape collects every metric at once, and the
  // depth's query would otherwise be counted as a caller waiting for a connection.
  const poolReaders: (() => DatabasePoolUsage | null)[] = [];
  new Gauge({
    name: "superoauth_db_pool_connections",
    help: "Database pool: connections it may open (max), those lent out (in_use), and callers waiting for one (waiting)",
    labelNames: ["state"] as const,
    registers,
    collect() {
      this.reset();
      for (const read of poolReaders) {
        const usage = read();
        if (usage === null) continue;
        this.set({ state: "max" }, usage.max);
        this.set({ state: "in_use" }, usage.inUse);
        this.set({ state: "waiting" }, usage.waiting);
      }
    },
  });

  const differenceReaders: (() => number)[] = [];
  new Gauge({
    name: "superoauth_instance_settings_differing",
    help: "Settings that must match on every instance (and the release) which differ from another running instance's; the log names them",
    registers,
    collect() {
      this.set(differenceReaders.reduce((sum, read) => sum + read(), 0));
    },
  });

  const diskReaders: (() => Promise<DatabaseDiskSpace | null>)[] = [];
  new Gauge({
    name: "superoauth_database_disk_bytes",
    help: "SQLite only: the file system holding the database file, bytes still writable (available) and its size (total); a full disk refuses every write",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      await collectReadings(
        this,
        "state",
        diskReaders,
        (space) => ({ available: space.availableBytes, total: space.totalBytes }),
        readingTimeoutMs,
      );
    },
  });

  const queueDepthReaders: (() => Promise<ExportQueueDepth>)[] = [];
  new Gauge({
    name: "superoauth_export_queue_depth",
    help: "Data-export jobs in the queue of every instance, by status: pending (waiting for a worker) and running (claimed)",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      await collectReadings(
        this,
        "status",
        queueDepthReaders,
        (depth) => ({ pending: depth.pending, running: depth.running }),
        readingTimeoutMs,
      );
    },
  });
  const exportJobs = new Counter({
    name: "superoauth_export_jobs_total",
    help: "Data-export jobs finished, by outcome",
    labelNames: ["outcome"] as const,
    registers,
  });
  // The series the suggested alerts watch exist from the start, at 0 (docs/operations.md, "What to
  // alert on"): Prometheus's increase() does not count the event that creates a series, so the
  // first mail or export failure after a start would otherwise never fire an alert.
  for (const outcome of ["delivered", "retrying", "failed"] satisfies MailDeliveryOutcome[])
    for (const kind of mailKinds) mailDeliveries.inc({ outcome, kind }, 0);
  for (const outcome of ["succeeded", "failed", "expired"] satisfies ExportJobOutcome[])
    exportJobs.inc({ outcome }, 0);
  for (const result of ["rotated", "reissued", "reuse_detected", "rejected", "refused"])
    refreshes.inc({ result }, 0);
  for (const result of ["rotated", "reuse_detected", "rejected"] satisfies ThirdPartyRefreshResult[])
    thirdPartyRefreshes.inc({ result }, 0);
  for (const result of ["delivered", "failed"] satisfies BackchannelLogoutResult[])
    backchannelLogouts.inc({ result }, 0);
  for (const result of ["succeeded", "INVALID_CREDENTIALS"]) signIns.inc({ method: "password", result }, 0);
  for (const result of ["created", "invalid", "taken"]) registrations.inc({ method: "password", result }, 0);
  for (const provider of oauthProviderIds)
    for (const result of [
      "succeeded",
      "TOKEN_EXCHANGE_FAILED",
      "USER_INFO_FAILED",
    ] satisfies ObservedProviderExchangeResult[])
      providerExchanges.inc({ provider, result }, 0);
  rateLimited.inc({ route: "/api/v1/auth/login" }, 0);
  for (const task of knownBackgroundTasks)
    for (const outcome of ["succeeded", "failed", "dropped"] satisfies BackgroundTaskOutcome[])
      backgroundTasks.inc({ task, outcome }, 0);

  // Every series of this service is registered by now: merged once, not at each scrape.
  const exposed =
    (options.processMetrics ?? true) ? Registry.merge([registry, processSeriesRegistry()]) : registry;

  const observer: Observer = {
    observe(event: ObservedEvent): void {
      switch (event.type) {
        case "sign_in":
          signIns.inc({ method: event.method, result: event.result });
          return;
        case "registration":
          registrations.inc({ method: event.method, result: event.result });
          return;
        case "account_locked":
          lockouts.inc();
          return;
        case "refresh":
          refreshes.inc({ result: event.result });
          return;
        case "provider_exchange":
          providerExchanges.inc({ provider: event.provider, result: event.result });
          return;
      }
    },
  };

  return {
    observer,
    recordThirdPartyRefresh: (result) => thirdPartyRefreshes.inc({ result }),
    recordBackchannelLogout: (result) => backchannelLogouts.inc({ result }),
    recordHashingQueueWait: (seconds) => hashingQueueWait.observe(seconds),
    recordMailDelivery: (outcome, kind) => mailDeliveries.inc({ outcome, kind }),
    recordBackgroundTask: (task, outcome) => backgroundTasks.inc({ task, outcome }),
    exportJobs: {
      watchQueueDepth: (read) => void queueDepthReaders.push(read),
      recordJob: (outcome) => exportJobs.inc({ outcome }),
    },
    watchDatabasePool: (read) => void poolReaders.push(read),
    watchSettingDifferences: (read) => void differenceReaders.push(read),
    watchDatabaseDisk: (read) => void diskReaders.push(read),
    recordRequest(input) {
      const method = knownMethods.has(input.method) ? input.method : "OTHER";
      const status = String(input.status);
      requestDuration.observe({ method, route: input.route, status }, input.seconds);
      if (input.status === 429) rateLimited.inc({ route: input.route });
      const endpoint = oidcEndpointOf(input.url);
      if (endpoint !== null) oidcRequests.inc({ endpoint, status });
    },
    async render() {
      return { contentType: exposed.contentType, body: await exposed.metrics() };
    },
  };
}

/** A request that matched no route is one label, whatever its URL (which is the client's to choose). */
const unmatchedRoute = "(unmatched)";

/** Records every finished request (duration by route pattern and status) into `metrics`. */
export function recordRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", async (request, reply) => {
    metrics.recordRequest({
      method: request.method,
      route: request.routeOptions.url ?? unmatchedRoute,
      url: request.url,
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });
}

/**
 * GET /metrics: the Prometheus exposition. Outside the rate limits (a scraper polls it from one
 * address) and read-only; who may reach it is the deployment's to decide (docs/operations.md).
 */
export async function metricsRoute(
  app: FastifyInstance,
  options: {
    metrics: Metrics;
    /**
     * Who may read it, by the client's address (as TRUST_PROXY gives it); others get the 404 of an
     * unknown route. None: everyone (the METRICS_PORT listener, which the network guards).
     */
    allows?: (address: string) => boolean;
  },
): Promise<void> {
  const { allows } = options;
  app.get("/metrics", { config: { limit: "none" } }, async (request, reply) => {
    if (allows !== undefined && !allows(request.ip)) return reply.callNotFound();
    const { contentType, body } = await options.metrics.render();
    return reply.type(contentType).send(body);
  });
}

/**
 * The networks a scraper beside the service is on: loopback, the private ranges (RFC 1918, RFC 4193),
 * link-local, and the shared address space of carrier and cluster networks (RFC 6598).
 */
const privateNetworks = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ["127.0.0.0", 8],
    ["10.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["169.254.0.0", 16],
    ["100.64.0.0", 10],
  ] as const)
    list.addSubnet(network, prefix, "ipv4");
  for (const [network, prefix] of [
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
  ] as const)
    list.addSubnet(network, prefix, "ipv6");
  return list;
})();

/**
 * Whether an address is on a private network (an IPv4-mapped IPv6 address as its IPv4). The main
 * port's /metrics answers only these: its counters move with each request about one address (a
 * reset mail sent or not, a lockout), which a stranger reading them before and after could use to
 * learn whether that address has an account.
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ipv4 = mapped ?? address;
  if (isIPv4(ipv4)) return privateNetworks.check(ipv4, "ipv4");
  return isIPv6(address) && privateNetworks.check(address, "ipv6");
}
