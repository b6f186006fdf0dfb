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

/** Longest a check may take before it counts as down: a probe must answer within its own timeout. */
const checkTimeoutMs = 3_000;

/** Runs a check within the time limit, timing it; a throw or a timeout is "down" (logged by the caller). */
async function runCheck(
  check: DependencyCheck,
  onFailure: (name: string, error: unknown) => void,
): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ status: DependencyStatus; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ status: "down", detail: "timed out" }), checkTimeoutMs);
  });
  const outcome = await Promise.race([
    check.check().catch((error: unknown) => {
      onFailure(check.name, error);
      return { status: "down" as const, detail: "unreachable" };
    }),
    timedOut,
  ]);
  clearTimeout(timer);
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

/**
 * A check whose answer, good or bad, is kept for `ttlMs` (and shared by the calls made
 * meanwhile), for checks that cost the other side something, such as an SMTP handshake.
 */
export function cachedCheck(check: DependencyCheck, ttlMs: number): DependencyCheck {
  let kept: { at: number; answer: ReturnType<DependencyCheck["check"]> } | undefined;
  return {
    name: check.name,
    required: check.required,
    check() {
      const now = performance.now();
      if (kept === undefined || now - kept.at >= ttlMs) {
        // A failure is kept too, so a server that hangs is not asked again by every probe.
        kept = { at: now, answer: check.check() };
      }
      return kept.answer;
    },
  };
}
