/** The current time. Tests pass a clock they move by hand. */
export interface Clock {
  now(): Date;
}

/** Identifiers and secrets. Secrets carry at least 256 bits of entropy. */
export interface RandomSource {
  /** A new, time-ordered unique id (UUIDv7). */
  generateId(): string;
  /** A new secret, base64url, at least 43 characters (256 bits). */
  generateSecret(): string;
}

/** Work to run after the reply: `name` says what it is in logs (never an address or a secret). */
export interface BackgroundTask {
  readonly name: string;
  run(): Promise<void>;
}

/**
 * Runs work after the reply, in this process, so a request does the same work whatever the
 * account it names (OWASP Forgot Password Cheat Sheet: "consistent response time"). A task's
 * failure is logged, never the request's. Bounded: past its capacity it refuses a task ("full")
 * and never runs it, so a flood cannot grow memory without limit; queued tasks are lost on a crash.
 */
export interface BackgroundTasks {
  enqueue(task: BackgroundTask): "queued" | "full";
}
