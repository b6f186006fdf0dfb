import { AsyncLocalStorage } from "node:async_hooks";
import type { BackgroundTaskOutcome } from "@superoauth/adapter-http";
import { type BackgroundTask, type BackgroundTasks, DeletedMeanwhileError } from "@superoauth/application";

/** Where the queue reports a failed or refused task: the service's logger, or nothing. */
export interface TaskLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** The in-process queue, and how to wait for it at shutdown. */
export interface BackgroundTaskQueue extends BackgroundTasks {
  /** Resolves once every task taken so far has run, or after `timeoutMs`; answers how many had not. */
  drain(options?: { timeoutMs?: number }): Promise<{ pending: number }>;
}

/**
 * Runs tasks after the reply that queued them, at most `concurrency` at once, in this process.
 * Holds at most `capacity` tasks, waiting and running: past that a task is refused, logged as
 * a warning and never run, so a flood of requests cannot grow memory without limit (the
 * request still answers as usual; the user asks again). A failure is logged with the task's
 * name, never thrown. Tasks live in memory only: a crash loses those not run yet, as it loses
 * mails not delivered yet (docs/operations.md). Each task runs, and its failure is logged, in the
 * async context it was queued in (the request's, whose id its log lines then carry), not in that
 * of the task whose end let it start.
 */
export function createBackgroundTaskQueue(options: {
  capacity: number;
  concurrency: number;
  log: TaskLog;
  /**
   * Told how each task ended (metrics): ran (also when its account was deleted meanwhile: nothing
   * was lost), failed (its mail never sent) or dropped unrun (the queue full); either of the last
   * two answered its request 200 all the same.
   */
  onOutcome?: (task: string, outcome: BackgroundTaskOutcome) => void;
}): BackgroundTaskQueue {
  /** Each task not started yet, with how to run a function in the context it was queued in. */
  const waiting: { task: BackgroundTask; inItsContext: <R>(fn: () => R) => R }[] = [];
  let running = 0;
  let whenIdle: (() => void)[] = [];

  function startWaitingTasks(): void {
    while (running < options.concurrency) {
      const next = waiting.shift();
      if (next === undefined) break;
      running++;
      // setImmediate: the task starts after the current request's reply has been written. A task
      // that waited is started from another's end, whose context (and request id) is not its own.
      setImmediate(() => next.inItsContext(() => void run(next.task)));
    }
  }

  async function run(task: BackgroundTask): Promise<void> {
    try {
      await task.run();
      options.onOutcome?.(task.name, "succeeded");
    } catch (error) {
      // A task for an account deleted since it was queued (its mail token refused): nothing is lost.
      if (error instanceof DeletedMeanwhileError) {
        options.log.warn({ task: task.name, err: error }, "background task's account was deleted meanwhile");
        options.onOutcome?.(task.name, "succeeded");
      } else {
        options.log.error({ task: task.name, err: error }, "background task failed");
        options.onOutcome?.(task.name, "failed");
      }
    } finally {
      running--;
      startWaitingTasks();
      if (running === 0 && waiting.length === 0) {
        for (const resolve of whenIdle) resolve();
        whenIdle = [];
      }
    }
  }

  return {
    enqueue(task: BackgroundTask): "queued" | "full" {
      if (waiting.length + running >= options.capacity) {
        options.log.warn(
          { task: task.name, capacity: options.capacity },
          "background queue full: task dropped; the user's request answered as usual",
        );
        options.onOutcome?.(task.name, "dropped");
        return "full";
      }
      waiting.push({ task, inItsContext: AsyncLocalStorage.snapshot() });
      startWaitingTasks();
      return "queued";
    },
    async drain(drainOptions: { timeoutMs?: number } = {}): Promise<{ pending: number }> {
      if (running > 0 || waiting.length > 0) {
        const idle = new Promise<void>((resolve) => whenIdle.push(resolve));
        const { timeoutMs } = drainOptions;
        if (timeoutMs === undefined) {
          await idle;
        } else {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            idle,
            new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
          ]);
          clearTimeout(timer);
        }
      }
      return { pending: running + waiting.length };
    },
  };
}
