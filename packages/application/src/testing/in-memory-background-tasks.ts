import type { BackgroundTask, BackgroundTasks } from "../ports/index.ts";

/**
 * Holds tasks until the test drains them, so a test sees what a request did before its
 * reply and what it left for later. Failures are kept for the test to read, as the
 * production queue logs them.
 */
export class InMemoryBackgroundTasks implements BackgroundTasks {
  readonly failures: { name: string; error: unknown }[] = [];
  readonly #capacity: number;
  readonly #queued: BackgroundTask[] = [];

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity ?? 1_000;
  }

  enqueue(task: BackgroundTask): "queued" | "full" {
    if (this.#queued.length >= this.#capacity) return "full";
    this.#queued.push(task);
    return "queued";
  }

  /** How many tasks wait to be run. */
  get pending(): number {
    return this.#queued.length;
  }

  /** Runs the queued tasks one after the other, oldest first, and any they queue, until none is left. */
  async drain(): Promise<void> {
    for (let task = this.#queued.shift(); task !== undefined; task = this.#queued.shift()) {
      try {
        await task.run();
      } catch (error) {
        this.failures.push({ name: task.name, error });
      }
    }
  }
}
