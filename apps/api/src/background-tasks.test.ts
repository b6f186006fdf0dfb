import { AsyncLocalStorage } from "node:async_hooks";
import { DeletedMeanwhileError } from "@superoauth/application";
import { backgroundTasksContract } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import { createBackgroundTaskQueue, type TaskLog } from "./background-tasks.ts";

function recordingLog(): TaskLog & { entries: { level: string; details: object; message: string }[] } {
  const entries: { level: string; details: object; message: string }[] = [];
  return {
    entries,
    warn: (details, message) => void entries.push({ level: "warn", details, message }),
    error: (details, message) => void entries.push({ level: "error", details, message }),
  };
}

backgroundTasksContract("in-process queue", ({ capacity }) => {
  const queue = createBackgroundTaskQueue({ capacity, concurrency: 2, log: recordingLog() });
  return { tasks: queue, drain: async () => void (await queue.drain()) };
});

describe("the in-process background queue", () => {
  it.each([
    ["a failed task as an error", new Error("database gone"), "error", "background task failed"],
    [
      "a task whose account was deleted meanwhile as a warning",
      new DeletedMeanwhileError({ cause: new Error("FOREIGN KEY constraint failed") }),
      "warn",
      "background task's account was deleted meanwhile",
    ],
  ])("logs %s, with its name", async (_case, error, level, message) => {
    const log = recordingLog();
    const queue = createBackgroundTaskQueue({ capacity: 10, concurrency: 2, log });
    queue.enqueue({
      name: "password-reset-mail",
      run: async () => {
        throw error;
      },
    });
    await queue.drain();
    expect(log.entries).toEqual([{ level, details: { task: "password-reset-mail", err: error }, message }]);
  });

  it("runs a task that waited for a free slot, and logs its failure, in the context it was queued in (the request whose id its lines carry)", async () => {
    const requestIds = new AsyncLocalStorage<string>();
    const seen: { task: string; requestId: string | undefined }[] = [];
    const log: TaskLog = {
      warn: () => {},
      error: (details) =>
        void seen.push({ task: (details as { task: string }).task, requestId: requestIds.getStore() }),
    };
    const queue = createBackgroundTaskQueue({ capacity: 10, concurrency: 1, log });
    const failing = (name: string) => ({
      name,
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error(`${name} failed`);
      },
    });
    // The second waits for the first: it starts when the first ends, inside request A's context.
    requestIds.run("request-a", () => queue.enqueue(failing("first")));
    requestIds.run("request-b", () => queue.enqueue(failing("second")));
    await queue.drain();
    expect(seen).toEqual([
      { task: "first", requestId: "request-a" },
      { task: "second", requestId: "request-b" },
    ]);
  });

  it("logs a refused task as a warning with its name and the capacity", () => {
    const log = recordingLog();
    const queue = createBackgroundTaskQueue({ capacity: 1, concurrency: 1, log });
    queue.enqueue({ name: "first", run: async () => {} });
    expect(queue.enqueue({ name: "verification-mail", run: async () => {} })).toBe("full");
    expect(log.entries).toEqual([
      {
        level: "warn",
        details: { task: "verification-mail", capacity: 1 },
        message: expect.stringMatching(/full/),
      },
    ]);
  });

  it("reports how each task ended: succeeded (deleted meanwhile too), failed, or dropped when full", async () => {
    const outcomes: [string, string][] = [];
    const queue = createBackgroundTaskQueue({
      capacity: 3,
      concurrency: 1,
      log: recordingLog(),
      onOutcome: (task, outcome) => void outcomes.push([task, outcome]),
    });
    queue.enqueue({ name: "verification-mail", run: async () => {} });
    queue.enqueue({
      name: "password-reset-mail",
      run: async () => {
        throw new Error("database gone");
      },
    });
    queue.enqueue({
      name: "password-reset-mail",
      run: async () => {
        throw new DeletedMeanwhileError({ cause: new Error("FOREIGN KEY constraint failed") });
      },
    });
    expect(queue.enqueue({ name: "verification-mail", run: async () => {} })).toBe("full");
    await queue.drain();
    expect(outcomes).toEqual([
      ["verification-mail", "dropped"],
      ["verification-mail", "succeeded"],
      ["password-reset-mail", "failed"],
      ["password-reset-mail", "succeeded"],
    ]);
  });

  it("runs at most `concurrency` tasks at once", async () => {
    const queue = createBackgroundTaskQueue({ capacity: 10, concurrency: 2, log: recordingLog() });
    let now = 0;
    let most = 0;
    for (let i = 0; i < 6; i++) {
      queue.enqueue({
        name: `task-${i}`,
        run: async () => {
          now++;
          most = Math.max(most, now);
          await new Promise((resolve) => setImmediate(resolve));
          now--;
        },
      });
    }
    await queue.drain();
    expect(most).toBe(2);
  });

  it("drain gives up after its timeout and says how many tasks had not finished", async () => {
    const queue = createBackgroundTaskQueue({ capacity: 10, concurrency: 1, log: recordingLog() });
    let release: () => void = () => {};
    queue.enqueue({ name: "stuck", run: () => new Promise<void>((resolve) => (release = resolve)) });
    queue.enqueue({ name: "behind", run: async () => {} });
    expect(await queue.drain({ timeoutMs: 20 })).toEqual({ pending: 2 });
    release();
    expect(await queue.drain()).toEqual({ pending: 0 });
  });
});
