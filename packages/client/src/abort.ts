/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, timerDelay(ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The promise's outcome, or a rejection as soon as `signal` aborts (with its reason) or
 * `deadlineAt` (ms since the epoch) comes (with `late()`), whichever is first. The promise itself
 * runs on: a refresh that other calls share is not cancelled by one caller giving up. With no
 * signal and no finite deadline, the promise itself.
 */
export function untilStopped<T>(
  promise: Promise<T>,
  stop: { signal?: AbortSignal | undefined; deadlineAt?: number; late?: () => Error },
): Promise<T> {
  const { signal } = stop;
  const deadlineAt = stop.deadlineAt ?? Number.POSITIVE_INFINITY;
  if (signal === undefined && deadlineAt === Number.POSITIVE_INFINITY) return promise;
  if (signal?.aborted === true) {
    // Given up on before it is awaited: its own failure is nobody's to handle here.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const timer =
      deadlineAt === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(
            () => reject(stop.late?.() ?? new Error("The deadline passed")),
            timerDelay(deadlineAt - Date.now()),
          );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const settled = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    promise.then(
      (value) => {
        settled();
        resolve(value);
      },
      (error: unknown) => {
        settled();
        reject(error);
      },
    );
  });
}

/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days): a longer one fires at once. */
const longestTimerMs = 2_147_483_647;

/** A timeout or wait as a timer's delay: `Infinity` (or anything past the timers' range) as the longest. */
export function timerDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), longestTimerMs);
}
