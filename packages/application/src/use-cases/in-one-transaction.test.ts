import { describe, expect, it } from "vitest";
import type { Transactions } from "../ports/index.ts";
import { createInMemoryDependencies, InMemoryUserRepository } from "../testing/in-memory.ts";
import { inOneTransaction } from "./in-one-transaction.ts";

describe("inOneTransaction", () => {
  it("hands the work the transaction's repositories in place of its own", async () => {
    const handed = { users: new InMemoryUserRepository() };
    const transactions: Transactions = { run: (work) => work(handed) };
    const deps = { ...createInMemoryDependencies(), transactions };
    expect(await inOneTransaction(deps, async (inside) => inside.users)).toBe(handed.users);
  });

  it("a transaction asked for within one joins it: the port opens one, and the inner work has its repositories", async () => {
    // On SQLite a second would wait for ever for the one connection the first holds.
    let opened = 0;
    const handed = { users: new InMemoryUserRepository() };
    const transactions: Transactions = {
      run: (work) => {
        opened += 1;
        return work(handed);
      },
    };
    const deps = { ...createInMemoryDependencies(), transactions };
    const inner = await inOneTransaction(deps, (outer) =>
      inOneTransaction(outer, async (inside) => inside.users),
    );
    expect({ opened, inner }).toEqual({ opened: 1, inner: handed.users });
  });
});
