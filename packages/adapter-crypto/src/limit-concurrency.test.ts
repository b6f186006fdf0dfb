import { OverloadedError } from "@superoauth/application";
import { HeldPasswordHasher, InMemoryPasswordHasher } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import { limitHashingConcurrency } from "./limit-concurrency.ts";
import { createArgon2PasswordHasher } from "./password-hasher.ts";

describe("limitHashingConcurrency", () => {
  it("runs at most maxConcurrent at once, queues maxQueue in order, and refuses the next at once", async () => {
    const hasher = new HeldPasswordHasher(new InMemoryPasswordHasher());
    hasher.hold();
    const limited = limitHashingConcurrency(hasher, { maxConcurrent: 2, maxQueue: 1 });
    const hash = await hasher.hashPassword("right");
    const running = [1, 2, 3].map(() => limited.verifyPassword({ hash, password: "right" }));
    const refused = limited.verifyPassword({ hash, password: "right" });
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(hasher.started).toBe(2);
    hasher.release();
    expect(await Promise.all(running)).toEqual([true, true, true]);
    expect(hasher.started).toBe(3);
    // Every slot was handed back: as many again run without refusal.
    expect(
      await Promise.all([1, 2, 3].map(() => limited.verifyPassword({ hash, password: "right" }))),
    ).toEqual([true, true, true]);
  });

  it("tells how long each operation waited: nothing when a slot was free, more than nothing when it queued", async () => {
    const hasher = new HeldPasswordHasher(new InMemoryPasswordHasher());
    const waits: number[] = [];
    const limited = limitHashingConcurrency(hasher, { maxConcurrent: 1, maxQueue: 1 }, (s) => waits.push(s));
    const hash = await hasher.hashPassword("right");
    hasher.hold();
    const first = limited.verifyPassword({ hash, password: "right" });
    const queued = limited.verifyPassword({ hash, password: "right" });
    await expect(limited.verifyPassword({ hash, password: "right" })).rejects.toBeInstanceOf(OverloadedError);
    expect(waits).toEqual([0]);
    // The queued one waits at least until the held one is let go.
    await new Promise((resolve) => setTimeout(resolve, 5));
    hasher.release();
    await Promise.all([first, queued]);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(0);
  });

  it("with real argon2id and one thread, the queued verification completes and the one beyond is refused", async () => {
    const limited = limitHashingConcurrency(createArgon2PasswordHasher(), { maxConcurrent: 1, maxQueue: 1 });
    const hash = await limited.hashPassword("Password-1!");
    const outcomes = await Promise.allSettled([
      limited.verifyPassword({ hash, password: "Password-1!" }),
      limited.verifyPassword({ hash, password: "Password-1!" }),
      limited.verifyDummyPassword("Password-1!"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(outcomes.slice(0, 2).map((o) => (o.status === "fulfilled" ? o.value : null))).toEqual([
      true,
      true,
    ]);
  });

  it("refuses limits that would block every hash or allow none", () => {
    const hasher = new InMemoryPasswordHasher();
    expect(() => limitHashingConcurrency(hasher, { maxConcurrent: 0, maxQueue: 1 })).toThrow(/maxConcurrent/);
    expect(() => limitHashingConcurrency(hasher, { maxConcurrent: 1, maxQueue: -1 })).toThrow(/maxQueue/);
  });
});
