import {
  OverloadedError,
  type PasswordAssessment,
  type PasswordStrengthChecker,
} from "@superoauth/application";
import { Piscina } from "piscina";

/** What the screen is asked: a new password and the account's own words. */
export interface PasswordScreenInput {
  readonly password: string;
  readonly accountWords: readonly string[];
}

/** How many screens may wait for the thread; one more is refused at once (OverloadedError). */
export const defaultScreeningQueueLimit = 64;

/**
 * The screening thread's young generation (MiB). With V8's default the thread held about 145 MiB
 * after a hundred screens, with 4 about 95 (docs/performance.md, "Where the memory goes"); the
 * screens took as long (about 3 ms each, measured on the project's machine).
 */
export const screeningYoungGenerationMb = 4;

/**
 * The module the screen's thread loads: plain JavaScript, as everything it imports, so the thread
 * loads no type stripper (ADR 0041).
 */
export const screeningWorkerFile = new URL("./screening-worker.js", import.meta.url);

/** What an overloaded screen asks clients to wait: a full queue drains in about a second. */
const retryAfterSeconds = 1;

/**
 * How long the thread may wait for a screen before it is stopped (ms): its dictionaries hold about
 * 75 MiB, which an instance that registers nobody for a while gives back. The next screen starts it
 * again and waits while the dictionaries are built (about 250 ms).
 */
export const defaultScreeningIdleTimeoutMs = 5 * 60_000;

/** A PasswordStrengthChecker whose thread must be stopped when the service stops. */
export interface PasswordScreeningPool extends PasswordStrengthChecker {
  /** Stops the worker thread; screens still waiting, and any asked afterwards, reject. */
  close(): Promise<void>;
  /** How many threads run now: 1 while screens come, 0 after the idle timeout. */
  threadCount(): number;
}

/**
 * The password screen (zxcvbn) on a worker thread (piscina), off the event loop: each screen is
 * 5-40 ms of one core, which on the main thread stalled every request in flight meanwhile (the
 * register rows' event-loop delay p99 was 100-130 ms, docs/performance.md). One thread, started
 * by the first screen (which waits about 250 ms more, while its dictionaries are built) and stopped
 * after `idleTimeoutMs` without one (ADR 0037): screens are short and the hashing beside them
 * already fills the cores. At most `maxQueue` screens wait; beyond that a screen fails at once with
 * OverloadedError (503 with Retry-After), as the argon2 queue does, rather than queueing without
 * bound.
 */
export function createPasswordScreeningPool(
  options: { maxQueue?: number; idleTimeoutMs?: number } = {},
): PasswordScreeningPool {
  const maxQueue = options.maxQueue ?? defaultScreeningQueueLimit;
  const pool = new Piscina<PasswordScreenInput, PasswordAssessment>({
    filename: screeningWorkerFile.href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: options.idleTimeoutMs ?? defaultScreeningIdleTimeoutMs,
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
    threadCount() {
      return pool.threads.length;
    },
  };
}
