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
 * The promise's outcome, or the signal's reason if it aborts first. The promise itself runs on
 * (a refresh that other calls share is not cancelled by one caller giving up).
 */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The promise's outcome, or `late()` as the rejection if `deadlineAt` (ms since the epoch) comes
 * first. The promise itself runs on, as in `untilAborted`. An infinite deadline waits for it.
 */
export function untilDeadline<T>(promise: Promise<T>, deadlineAt: number, late: () => Error): Promise<T> {
  if (deadlineAt === Number.POSITIVE_INFINITY) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(late()), timerDelay(deadlineAt - Date.now()));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
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
