import { describe, expect, it } from "vitest";
import { backgroundTasksContract } from "./background-tasks.contract.ts";
import { InMemoryBackgroundTasks } from "./in-memory-background-tasks.ts";

backgroundTasksContract("in-memory", ({ capacity }) => {
  const tasks = new InMemoryBackgroundTasks({ capacity });
  return { tasks, drain: () => tasks.drain() };
});

describe("InMemoryBackgroundTasks", () => {
  it("keeps each failure with its task's name, for the test to read", async () => {
    const tasks = new InMemoryBackgroundTasks();
    const error = new Error("database gone");
    tasks.enqueue({
      name: "password-reset-mail",
      run: async () => {
        throw error;
      },
    });
    await tasks.drain();
    expect(tasks.failures).toEqual([{ name: "password-reset-mail", error }]);
  });
});
