import { describe, expect, it } from "vitest";
import type { BackgroundTasks } from "../ports/index.ts";

/** A queue under test, and how to wait until every task it took has run. */
export interface DrainableBackgroundTasks {
  readonly tasks: BackgroundTasks;
  drain(): Promise<void>;
}

/** The behaviour every BackgroundTasks implementation must have. */
export function backgroundTasksContract(
  name: string,
  makeTasks: (options: { capacity: number }) => DrainableBackgroundTasks,
): void {
  describe(`BackgroundTasks contract: ${name}`, () => {
    it("enqueue returns before the task starts; the task runs once, later", async () => {
      const { tasks, drain } = makeTasks({ capacity: 10 });
      const ran: string[] = [];

      expect(tasks.enqueue({ name: "first", run: async () => void ran.push("first") })).toBe("queued");
      expect(ran).toEqual([]);
      await drain();

      expect(ran).toEqual(["first"]);
    });

    it("a failing task fails alone: the enqueuer never sees it and later tasks still run", async () => {
      const { tasks, drain } = makeTasks({ capacity: 10 });
      const ran: string[] = [];

      tasks.enqueue({
        name: "broken",
        run: async () => {
          throw new Error("database gone");
        },
      });
      tasks.enqueue({ name: "after", run: async () => void ran.push("after") });
      await drain();

      expect(ran).toEqual(["after"]);
    });

    it("past its capacity it refuses tasks and never runs them; drained, it takes tasks again", async () => {
      const { tasks, drain } = makeTasks({ capacity: 2 });
      const ran: number[] = [];
      const task = (n: number) => ({ name: `task-${n}`, run: async () => void ran.push(n) });

      const outcomes = [1, 2, 3, 4].map((n) => tasks.enqueue(task(n)));
      await drain();
      const afterDrain = tasks.enqueue(task(5));
      await drain();

      expect(outcomes).toEqual(["queued", "queued", "full", "full"]);
      expect(afterDrain).toBe("queued");
      expect(ran.sort()).toEqual([1, 2, 5]);
    });
  });
}
