/** How a dependency is doing: working, working badly, or not working. */
export type DependencyStatus = "up" | "degraded" | "down";

/** One dependency the service checks for /ready and /status (the database, Redis, SMTP, ...). */
export interface DependencyCheck {
  /** `database`, `redis`, `migrations`, `smtp`, a provider id: a key of the report's `checks`. */
  readonly name: string;
  /** Down makes /ready answer 503; a dependency that is not required only degrades the service. */
  readonly required: boolean;
  /** Resolves with the status (a throw counts as down); `detail` is short, public and secret-free. */
  check(): Promise<{ readonly status: DependencyStatus; readonly detail?: string }>;
}

/** One check's answer, as /ready and /status.json show it. */
export interface CheckResult {
  readonly status: DependencyStatus;
  readonly required: boolean;
  readonly latencyMs: number;
  readonly detail?: string;
}

/** Every check's answer, and what they add up to. */
export interface DependencyReport {
  /** not_ready: a required dependency is down; degraded: another one is not up. */
  readonly status: "ready" | "degraded" | "not_ready";
  readonly checks: Readonly<Record<string, CheckResult>>;
}

/**
 * Longest a check may take before it counts as down ("timed out"). The checks run at once, so
 * /ready and /status answer within about this, well inside a readiness probe's own timeout
 * (Kubernetes' default `timeoutSeconds` is 1): a hung database is a 503 the probe still reads, and
 * a hung optional dependency (SMTP) only degrades the answer. A `SELECT 1` slower than this is down.
 */
const checkTimeoutMs = 500;

/**
 * What `work` answers within a check's time limit, or "timed out" (the work goes on unawaited; its
 * later failure is dropped). The checks' bound, for what a status answer reads besides them.
 */
export async function withinCheckTime<T>(work: Promise<T>): Promise<T | "timed out"> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timed out">((resolve) => {
    timer = setTimeout(() => resolve("timed out"), checkTimeoutMs);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

/** Runs a check within the time limit, timing it; a throw or a timeout is "down" (logged by the caller). */
async function runCheck(
  check: DependencyCheck,
  onFailure: (name: string, error: unknown) => void,
): Promise<CheckResult> {
  const started = performance.now();
  const answered = await withinCheckTime(
    check.check().catch((error: unknown): { status: DependencyStatus; detail?: string } => {
      onFailure(check.name, error);
      return { status: "down", detail: "unreachable" };
    }),
  );
  const outcome = answered === "timed out" ? { status: "down" as const, detail: "timed out" } : answered;
  return {
    status: outcome.status,
    required: check.required,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
  };
}

/** Runs every check at once and adds them up. */
export async function checkDependencies(
  checks: readonly DependencyCheck[],
  onFailure: (name: string, error: unknown) => void,
): Promise<DependencyReport> {
  const results = await Promise.all(checks.map((check) => runCheck(check, onFailure)));
  const entries = checks.map((check, i) => [check.name, results[i] as CheckResult] as const);
  const status = results.some((r) => r.required && r.status === "down")
    ? "not_ready"
    : results.some((r) => r.status !== "up")
      ? "degraded"
      : "ready";
  return { status, checks: Object.fromEntries(entries) };
}

type CheckOutcome = Awaited<ReturnType<DependencyCheck["check"]>>;

/**
 * A check whose answer, good or bad, is kept for `ttlMs`, for checks that cost the other side
 * something, such as an SMTP handshake. Past it, the next call asks again in the background and is
 * answered the kept outcome at once: a server that accepts and never answers would otherwise hold
 * every probe for the checks' time limit while the question is out. Until the first question has
 * an answer, callers wait for it, each within `checkTimeoutMs` as every check (a hung server reads
 * "timed out" meanwhile). A failure is handed to the call that waited for it, or, asked in the
 * background, to `onFailure`: once per question, not once per probe.
 */
export function cachedCheck(
  check: DependencyCheck,
  ttlMs: number,
  onFailure: (error: unknown) => void = () => {},
): DependencyCheck {
  let kept: { at: number; outcome: CheckOutcome } | undefined;
  let asking: Promise<CheckOutcome> | undefined;
  const ask = (): Promise<CheckOutcome> => {
    const question = check.check().then(
      (outcome) => {
        kept = { at: performance.now(), outcome };
        return outcome;
      },
      (error: unknown) => {
        kept = { at: performance.now(), outcome: { status: "down", detail: "unreachable" } };
        throw error;
      },
    );
    asking = question.finally(() => {
      asking = undefined;
    });
    // The finally's copy rejects too; its callers are the ones below, never left unhandled.
    asking.catch(() => {});
    return question;
  };
  return {
    name: check.name,
    required: check.required,
    check() {
      if (kept === undefined) return asking ?? ask();
      if (performance.now() - kept.at >= ttlMs && asking === undefined) ask().catch(onFailure);
      return Promise.resolve(kept.outcome);
    },
  };
}
