import { Worker } from "node:worker_threads";
import { OverloadedError } from "@superoauth/application";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPasswordScreeningPool,
  type PasswordScreeningPool,
  screeningWorkerFile,
} from "./screening-pool.ts";

// The screen's verdicts are zxcvbn-password-strength.test.ts's; this is the thread around it.

const words = ["ada", "example", "com", "lovelace"];
let pool: PasswordScreeningPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("the password screen on a worker thread", () => {
  it("answers as the screen does, from the thread", async () => {
    pool = createPasswordScreeningPool();

    await expect(pool.assessPassword({ password: "q7#Rv2!k", accountWords: words })).resolves.toEqual({
      guessable: false,
    });
    await expect(pool.assessPassword({ password: "P@ssw0rd1!", accountWords: words })).resolves.toEqual({
      guessable: true,
      reason: expect.stringMatching(/^This is similar to a commonly used password\./),
    });
    await expect(pool.assessPassword({ password: "Lovelace1!", accountWords: words })).resolves.toMatchObject(
      {
        guessable: true,
      },
    );
  });

  it("leaves the event loop free while it screens", async () => {
    pool = createPasswordScreeningPool();
    await pool.assessPassword({ password: "warm-up-1!", accountWords: words });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    try {
      // Tens of milliseconds each: on the calling thread they would all run before the first tick.
      const screens = Array.from({ length: 8 }, (_, i) =>
        pool?.assessPassword({ password: `Correct-horse-battery-${i}!`, accountWords: words }),
      );
      await Promise.all(screens);
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it("refuses a screen at once with OverloadedError when maxQueue screens are waiting", async () => {
    pool = createPasswordScreeningPool({ maxQueue: 2 });
    // Sent together while the thread still builds its dictionaries: they wait, two at most.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        pool?.assessPassword({ password: `q7#Rv2!k-${i}`, accountWords: words }),
      ),
    );

    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    const screened = outcomes.filter((outcome) => outcome.status === "fulfilled");
    expect(screened.length).toBeGreaterThanOrEqual(2);
    expect(screened.length).toBeLessThanOrEqual(3);
    expect(refused).toHaveLength(8 - screened.length);
    for (const outcome of refused) {
      expect(outcome.reason).toBeInstanceOf(OverloadedError);
      expect(outcome.reason).toMatchObject({ retryAfterSeconds: 1 });
    }
  });

  it("starts its thread with the first screen, stops it when idle, and starts it again for the next", async () => {
    pool = createPasswordScreeningPool({ idleTimeoutMs: 200 });
    expect(pool.threadCount()).toBe(0);

    await expect(pool.assessPassword({ password: "q7#Rv2!k", accountWords: words })).resolves.toEqual({
      guessable: false,
    });
    expect(pool.threadCount()).toBe(1);
    const deadline = Date.now() + 10_000;
    while (pool.threadCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pool.threadCount()).toBe(0);

    await expect(pool.assessPassword({ password: "P@ssw0rd1!", accountWords: words })).resolves.toMatchObject(
      {
        guessable: true,
      },
    );
    expect(pool.threadCount()).toBe(1);
    // Two thread starts, each building the dictionaries: seconds on a loaded machine.
  }, 30_000);

  it("stops its thread on close: a screen asked afterwards is refused", async () => {
    const closing = createPasswordScreeningPool();
    await closing.assessPassword({ password: "q7#Rv2!k", accountWords: words });
    await closing.close();

    await expect(closing.assessPassword({ password: "q7#Rv2!k", accountWords: words })).rejects.toThrow(
      "The password screen is closed",
    );
  });

  it("runs plain JavaScript on its thread, which therefore loads no type stripper (ADR 0041)", async () => {
    // What a thread that imports `module` has loaded of Node's own modules whose name says amaro,
    // the TypeScript stripper (about 38 MiB of a thread's memory once loaded).
    const strippersLoadedBy = async (module: URL) => {
      const thread = new Worker(
        `import(${JSON.stringify(module.href)}).then(() => require("node:worker_threads").parentPort.postMessage(process.moduleLoadList.filter((name) => name.includes("amaro"))));`,
        { eval: true },
      );
      try {
        return await new Promise((resolve, reject) => {
          thread.once("message", resolve);
          thread.once("error", reject);
        });
      } finally {
        await thread.terminate();
      }
    };
    expect(await strippersLoadedBy(screeningWorkerFile)).toEqual([]);
    // The control: a thread that imports a TypeScript module (this pool's) loads it.
    expect(await strippersLoadedBy(new URL("./screening-pool.ts", import.meta.url))).toEqual([
      expect.stringContaining("amaro"),
    ]);
  });
});
