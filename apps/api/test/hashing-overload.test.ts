import { createArgon2PasswordHasher, limitHashingConcurrency } from "@superoauth/adapter-crypto";
import { buildHttpApp } from "@superoauth/adapter-http";
import { createUseCases, type PasswordHasher } from "@superoauth/application";
import { createInMemoryDependencies } from "@superoauth/application/testing";
import { describe, expect, it, vi } from "vitest";

// Saturating the argon2id hasher answers 503 SERVICE_UNAVAILABLE with Retry-After at once, while
// the hashes already running or queued complete (ADR 0010). Real argon2id behind a gate the test
// opens, limited as the service limits it (UV_THREADPOOL_SIZE=1, ARGON2_MAX_QUEUE=1).

function gatedArgon2() {
  const argon2 = createArgon2PasswordHasher();
  const state = { closed: false, started: 0, arrived: 0 };
  let open: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const gated: PasswordHasher = {
    hashPassword: (password) => argon2.hashPassword(password),
    async verifyPassword(input) {
      state.started++;
      await gate;
      return argon2.verifyPassword(input);
    },
    verifyDummyPassword: (password) => argon2.verifyDummyPassword(password),
  };
  const limited = limitHashingConcurrency(gated, { maxConcurrent: 1, maxQueue: 1 });
  // Counts calls as they reach the limit, running or waiting.
  const observed: PasswordHasher = {
    hashPassword: (password) => limited.hashPassword(password),
    verifyPassword(input) {
      state.arrived++;
      return limited.verifyPassword(input);
    },
    verifyDummyPassword: (password) => limited.verifyDummyPassword(password),
  };
  return {
    hasher: observed,
    state,
    close() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    open: () => open(),
  };
}

describe("a saturated password hasher", () => {
  it("answers SERVICE_UNAVAILABLE 503 with Retry-After beyond the queue, and the queued sign-ins complete", async () => {
    const argon2 = gatedArgon2();
    const deps = { ...createInMemoryDependencies(), passwordHasher: argon2.hasher };
    const app = await buildHttpApp({
      useCases: createUseCases(deps),
      trustProxy: false,
      checkReadiness: async () => true,
      rateLimit: {
        enabled: true,
        windowMs: 15 * 60_000,
        loginMax: 1000,
        registerMax: 1000,
        generalMax: 1000,
        emailMax: 1000,
      },
    });
    const account = { email: "ada@example.com", password: "Sup3r-secret!" };
    const registered = await app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { ...account, nickname: "ada_lovelace" },
    });
    expect(registered.statusCode).toBe(201);
    const logIn = (password: string, ip: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: account.email, password },
        remoteAddress: ip,
      });

    argon2.close();
    const running = logIn("Wrong-password-1!", "203.0.113.1");
    await vi.waitFor(() => expect(argon2.state.started).toBe(1));
    const queued = logIn(account.password, "203.0.113.2");
    await vi.waitFor(() => expect(argon2.state.arrived).toBe(2));
    const refused = await logIn(account.password, "203.0.113.3");
    expect({ status: refused.statusCode, body: refused.json() }).toStrictEqual({
      status: 503,
      body: { success: false, error: "SERVICE_UNAVAILABLE", message: expect.stringMatching(/busy/) },
    });
    expect(refused.headers["retry-after"]).toBe("1");
    expect(argon2.state.started).toBe(1);

    argon2.open();
    const [first, second] = await Promise.all([running, queued]);
    expect(first.statusCode).toBe(401);
    expect(first.json()).toMatchObject({ error: "INVALID_CREDENTIALS" });
    expect(second.statusCode).toBe(200);
    expect(argon2.state.started).toBe(2);
    // The refused attempt was never checked, so it was given back to the lockout: five more wrong
    // passwords from its address are all checked (had it counted, the fourth would have locked).
    for (let i = 0; i < 5; i++) {
      expect((await logIn(`Wrong-password-${i}!`, "203.0.113.3")).statusCode).toBe(401);
    }
    expect((await logIn("Wrong-password-6!", "203.0.113.3")).statusCode).toBe(423);
    await app.close();
  });
});
