import { OverloadedError, type PasswordHasher } from "@superoauth/application";

/** How many slow hashes run at once, and how many may wait for a turn. */
export interface HashingLimits {
  /**
   * Hashes running at once: the size of libuv's thread pool (UV_THREADPOOL_SIZE, 4 by
   * default), where argon2 runs. More would only queue inside libuv, out of our sight.
   */
  readonly maxConcurrent: number;
  /** Hashes waiting for a turn; one more is refused at once (OverloadedError). */
  readonly maxQueue: number;
}

/** What an overloaded hasher asks clients to wait: a full queue drains in about a second. */
const retryAfterSeconds = 1;

/**
 * A PasswordHasher that runs at most `maxConcurrent` operations of `hasher` at
 * once and lets at most `maxQueue` wait, in arrival order; beyond that an
 * operation fails at once with OverloadedError instead of waiting. Each argon2id
 * operation takes tens of milliseconds and 19 MiB, so without a bound a burst of
 * sign-ins queues without limit in libuv's pool, delays every other use of the
 * pool (file, DNS) and answers nobody in time (OWASP ASVS 5.0 V15.2: resources
 * bounded). Whether a slot is free is decided when the call is made, before it
 * awaits anything.
 */
export function limitHashingConcurrency(
  hasher: PasswordHasher,
  limits: HashingLimits,
  /** Told how long each operation waited for a slot (0 when one was free), for metrics. */
  onQueueWait: (seconds: number) => void = () => {},
): PasswordHasher {
  if (!Number.isInteger(limits.maxConcurrent) || limits.maxConcurrent < 1) {
    throw new Error("limitHashingConcurrency: maxConcurrent must be a whole number of at least 1");
  }
  if (!Number.isInteger(limits.maxQueue) || limits.maxQueue < 0) {
    throw new Error("limitHashingConcurrency: maxQueue must be a whole number of at least 0");
  }
  let running = 0;
  const waiting: (() => void)[] = [];

  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (running < limits.maxConcurrent) {
      running++;
      onQueueWait(0);
    } else if (waiting.length < limits.maxQueue) {
      const queuedAt = performance.now();
      // The operation that finishes hands its slot over: `running` stays as it is.
      await new Promise<void>((resolve) => waiting.push(resolve));
      onQueueWait((performance.now() - queuedAt) / 1000);
    } else {
      throw new OverloadedError({
        message: `Too many password hashes waiting (${limits.maxQueue})`,
        retryAfterSeconds,
      });
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  }

  return {
    hashPassword: (password) => run(() => hasher.hashPassword(password)),
    verifyPassword: (input) => run(() => hasher.verifyPassword(input)),
    verifyDummyPassword: (password) => run(() => hasher.verifyDummyPassword(password)),
  };
}
