import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// The outcome of a write that keeps losing to another writer: on SQLite another process (a backup
// tool, `sqlite3` in a shell) holds the database's write lock past the busy timeout on each of
// the service's three attempts (runInTransaction), or past the one wait of a write made as a
// statement of its own (the driver, dialects/sqlite.ts). The client is told the service is busy,
// 503 with Retry-After, and loses nothing; once the lock is let go the same request succeeds.

const file = join(mkdtempSync(join(tmpdir(), "superoauth-contention-")), "superoauth.db");
const email = "contention@example.com";
const password = "Integr4tion-pass!";
let service: Service;

beforeAll(async () => {
  service = await composeService(
    // The busy timeout of SQLite is DATABASE_CONNECT_TIMEOUT: short, so three attempts take 0.3 s.
    integrationTestConfig({ DATABASE_URL: `sqlite:${file}`, DATABASE_CONNECT_TIMEOUT: "100ms" }),
    undefined,
  );
  const registered = await service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password, nickname: "contention" },
  });
  expect(registered.statusCode).toBe(201);
});
afterAll(async () => {
  await service?.close();
});

const logIn = () =>
  service.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password } });

/** Runs `request` while another connection holds the database's write lock. */
async function whileLocked<T>(request: () => Promise<T>): Promise<T> {
  const other = new DatabaseSync(file);
  other.exec("BEGIN IMMEDIATE");
  try {
    return await request();
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
}

const busy = (requestId: unknown) => ({
  status: 503,
  body: {
    success: false,
    error: "SERVICE_UNAVAILABLE",
    message: "The service is busy; try again in a moment",
    requestId,
  },
});

describe("a write that keeps losing the SQLite write lock", () => {
  it("answers SERVICE_UNAVAILABLE 503 with Retry-After 1 after its retries, and succeeds once the lock is free", async () => {
    const refused = await whileLocked(logIn);
    expect({ status: refused.statusCode, body: refused.json() }).toEqual(
      busy(refused.headers["x-request-id"]),
    );
    expect(refused.headers["retry-after"]).toBe("1");
    const accepted = await logIn();
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().data.accessToken).toEqual(expect.any(String));
  });

  it("answers a write made as a statement of its own (signing out) the same way, and the session ends once the lock is free", async () => {
    const signedIn = await logIn();
    const headers = { authorization: `Bearer ${signedIn.json().data.accessToken}` };
    const logOut = () => service.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers });

    const refused = await whileLocked(logOut);
    expect({ status: refused.statusCode, body: refused.json() }).toEqual(
      busy(refused.headers["x-request-id"]),
    );
    expect(refused.headers["retry-after"]).toBe("1");
    // The session was not ended: the token still works, and signing out again does end it.
    expect((await service.app.inject({ method: "GET", url: "/api/v1/auth/me", headers })).statusCode).toBe(
      200,
    );
    expect((await logOut()).statusCode).toBe(200);
    expect((await service.app.inject({ method: "GET", url: "/api/v1/auth/me", headers })).statusCode).toBe(
      401,
    );
  });
});
