import { OverloadedError, type PasswordHasher } from "@superoauth/application";
import { InMemoryPasswordHasher } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import { limitHashingConcurrency } from "./limit-concurrency.ts";
import { createArgon2PasswordHasher } from "./password-hasher.ts";

/** A hasher whose verifications wait until the test opens the gate; it counts those that started. */
function gatedHasher() {
  const inner = new InMemoryPasswordHasher();
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const state = { started: 0 };
  const hasher: PasswordHasher = {
    hashPassword: (password) => inner.hashPassword(password),
    async verifyPassword(input) {
      state.started++;
      await gate;
      return inner.verifyPassword(input);
    },
    verifyDummyPassword: (password) => inner.verifyDummyPassword(password),
  };
  return { hasher, state, open: () => open() };
}

describe("limitHashingConcurrency", () => {
  it("runs at most maxConcurrent at once, queues maxQueue in order, and refuses the next at once", async () => {
    const { hasher, state, open } = gatedHasher();
    const limited = limitHashingConcurrency(hasher, { maxConcurrent: 2, maxQueue: 1 });
    const hash = await hasher.hashPassword("right");
    const running = [1, 2, 3].map(() => limited.verifyPassword({ hash, password: "right" }));
    const refused = limited.verifyPassword({ hash, password: "right" });
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(state.started).toBe(2);
    open();
    expect(await Promise.all(running)).toEqual([true, true, true]);
    expect(state.started).toBe(3);
    // Every slot was handed back: as many again run without refusal.
    expect(
      await Promise.all([1, 2, 3].map(() => limited.verifyPassword({ hash, password: "right" }))),
    ).toEqual([true, true, true]);
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
