import {
  OverloadedError,
  type PasswordAssessment,
  type PasswordStrengthChecker,
} from "@superoauth/application";
import { Piscina } from "piscina";
import type { PasswordScreenInput } from "./zxcvbn-password-strength.ts";

/** How many screens may wait for the thread; one more is refused at once (OverloadedError). */
export const defaultScreeningQueueLimit = 64;

/**
 * The screening thread's young generation (MiB). With V8's default the thread held about 145 MiB
 * after a hundred screens, with 4 about 95 (docs/performance.md, "Where the memory goes"); the
 * screens took as long (about 3 ms each, measured on the project's machine).
 */
export const screeningYoungGenerationMb = 4;

/** What an overloaded screen asks clients to wait: a full queue drains in about a second. */
const retryAfterSeconds = 1;

/** A PasswordStrengthChecker whose thread must be stopped when the service stops. */
export interface PasswordScreeningPool extends PasswordStrengthChecker {
  /** Stops the worker thread; screens still waiting, and any asked afterwards, reject. */
  close(): Promise<void>;
}

/**
 * The password screen (zxcvbn) on a worker thread (piscina), off the event loop: each screen is
 * 5-40 ms of one core, which on the main thread stalled every request in flight meanwhile (the
 * register rows' event-loop delay p99 was 100-130 ms, docs/performance.md). One thread, started
 * with the pool so its dictionaries are built before the first registration: screens are short
 * and the hashing beside them already fills the cores. At most `maxQueue` screens wait; beyond
 * that a screen fails at once with OverloadedError (503 with Retry-After), as the argon2 queue
 * does, rather than queueing without bound.
 */
export function createPasswordScreeningPool(options: { maxQueue?: number } = {}): PasswordScreeningPool {
  const maxQueue = options.maxQueue ?? defaultScreeningQueueLimit;
  const pool = new Piscina<PasswordScreenInput, PasswordAssessment>({
    filename: new URL("./screening-worker.ts", import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
    // Never stopped for idleness: a restarted thread would build its dictionaries again.
    idleTimeout: Number.POSITIVE_INFINITY,
    // A small young generation: V8 sizes it from the machine's memory (64 MiB on 24 GB), for a
    // thread whose garbage is a screen's few kilobytes. Its dictionaries (about 56 MiB live) stay.
    resourceLimits: { maxYoungGenerationSizeMb: screeningYoungGenerationMb },
  });
  let closed = false;
  return {
    assessPassword(input) {
      // Piscina would start a new thread for a task sent after destroy(): refused instead.
      if (closed) return Promise.reject(new Error("The password screen is closed"));
      if (pool.queueSize >= maxQueue) {
        return Promise.reject(
          new OverloadedError({
            message: `Too many password screens waiting (${maxQueue})`,
            retryAfterSeconds,
          }),
        );
      }
      // The input crosses to the thread by structured clone: a plain copy of the account's words.
      return pool.run({ password: input.password, accountWords: [...input.accountWords] });
    },
    close() {
      closed = true;
      return pool.destroy();
    },
  };
}
