import { createArgon2PasswordHasher, limitHashingConcurrency } from "@superoauth/adapter-crypto";
import { buildHttpApp } from "@superoauth/adapter-http";
import { createUseCases } from "@superoauth/application";
import {
  CountingPasswordHasher,
  createInMemoryDependencies,
  HeldPasswordHasher,
} from "@superoauth/application/testing";
import { describe, expect, it, vi } from "vitest";

// Saturating the argon2id hasher answers 503 SERVICE_UNAVAILABLE with Retry-After at once, while
// the hashes already running or queued complete (ADR 0010). Real argon2id behind a gate the test
// opens, limited as the service limits it (UV_THREADPOOL_SIZE=1, ARGON2_MAX_QUEUE=1).

/** Real argon2id, held by the test, limited as the service limits it; counts calls reaching the limit. */
function heldArgon2() {
  const held = new HeldPasswordHasher(createArgon2PasswordHasher());
  const arriving = new CountingPasswordHasher(
    limitHashingConcurrency(held, { maxConcurrent: 1, maxQueue: 1 }),
  );
  return { held, arriving };
}

describe("a saturated password hasher", () => {
  it("answers SERVICE_UNAVAILABLE 503 with Retry-After beyond the queue, and the queued sign-ins complete", async () => {
    const argon2 = heldArgon2();
    const deps = { ...createInMemoryDependencies(), passwordHasher: argon2.arriving };
    // Rate limits are not the subject here: off (all five maxima unused).
    const unused = 1;
    const app = await buildHttpApp({
      useCases: createUseCases(deps),
      trustProxy: false,
      checkReadiness: async () => true,
      rateLimit: {
        enabled: false,
        windowMs: 60_000,
        loginMax: unused,
        registerMax: unused,
        generalMax: unused,
        emailMax: unused,
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

    argon2.held.hold();
    const running = logIn("Wrong-password-1!", "203.0.113.1");
    await vi.waitFor(() => expect(argon2.held.started).toBe(1));
    const queued = logIn(account.password, "203.0.113.2");
    await vi.waitFor(() => expect(argon2.arriving.verifications).toBe(2));
    const refused = await logIn(account.password, "203.0.113.3");
    expect({ status: refused.statusCode, body: refused.json() }).toStrictEqual({
      status: 503,
      body: {
        success: false,
        error: "SERVICE_UNAVAILABLE",
        message: expect.stringMatching(/busy/),
        requestId: expect.any(String),
      },
    });
    expect(refused.headers["retry-after"]).toBe("1");
    expect(argon2.held.started).toBe(1);

    argon2.held.release();
    const [first, second] = await Promise.all([running, queued]);
    expect(first.statusCode).toBe(401);
    expect(first.json()).toMatchObject({ error: "INVALID_CREDENTIALS" });
    expect(second.statusCode).toBe(200);
    expect(argon2.held.started).toBe(2);
    // The refused attempt was never checked, so it was given back to the lockout: five more wrong
    // passwords from its address are all checked (had it counted, the fourth would have locked).
    for (let i = 0; i < 5; i++) {
      expect((await logIn(`Wrong-password-${i}!`, "203.0.113.3")).statusCode).toBe(i < 4 ? 401 : 423);
    }
    expect((await logIn("Wrong-password-6!", "203.0.113.3")).statusCode).toBe(423);
    await app.close();
  });
});
