import { Writable } from "node:stream";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

/**
 * The statements, each a round trip to MySQL, that the hot paths make (docs/performance.md): counted
 * from the database debug log (DEBUG=superoauth:db), which Kysely writes for every statement on a
 * connection, transaction control (BEGIN, COMMIT) included. Runs on MySQL and on SQLite.
 * @see issue 11, "Performance gate"
 */
const database = useTestDatabase();
const statements: string[] = [];
let service: Service;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = JSON.parse(String(chunk)) as { msg?: string; sql?: string };
      if (line.msg === "query" && line.sql !== undefined) statements.push(line.sql);
      done();
    },
  });
  const config = integrationTestConfig({ DATABASE_URL: database.url(), DEBUG: "superoauth:db" });
  service = await composeService(config, pino({ level: "info" }, sink), { exportWorker: { start: false } });
  // The start prunes expired records in the background; its last read is of the exports to expire.
  await vi.waitFor(() =>
    expect(statements.some((sql) => /^select .* from .export_jobs./.test(sql))).toBe(true),
  );
});
afterAll(async () => service?.close());

/** The statements `request` made, lower-cased and cut to their first words. */
async function statementsOf(request: () => Promise<unknown>): Promise<string[]> {
  statements.length = 0;
  await request();
  return statements.map((sql) =>
    sql.replaceAll(/[`"]/g, "").toLowerCase().split(/\s+/).slice(0, 3).join(" "),
  );
}

describe("statements per request", () => {
  it("a registration writes in one transaction: the account, its link, its client made known, its session (ADR 0056)", async () => {
    const register = await statementsOf(async () => {
      const response = await service.app.inject({
        method: "POST",
        url: "/api/v1/auth/register",
        payload: { email: "one-transaction@example.com", password: "Integr4tion-pass!", nickname: "count" },
      });
      expect(response.statusCode).toBe(201);
    });
    // Before ADR 0056: 16, the account and the client's writes on their own, the link and the
    // session in a transaction each (BEGIN and COMMIT twice).
    expect(register).toHaveLength(14);
    expect(register.filter((sql) => /^(begin|start transaction)/.test(sql))).toEqual([register[0]]);
    expect(register.at(-1)).toBe("commit");
    expect(register[1]).toMatch(/^insert into users/);
  });

  it("a refresh makes four statements and no transaction: one read, the successor, the decision, the touch", async () => {
    const registered = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "statements@example.com", password: "Integr4tion-pass!", nickname: "count" },
    });
    expect(registered.statusCode).toBe(201);
    let refreshToken: string = registered.json().data.refreshToken;
    let accessToken: string = registered.json().data.accessToken;

    const refresh = await statementsOf(async () => {
      const response = await service.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken },
      });
      expect(response.statusCode).toBe(200);
      ({ refreshToken, accessToken } = response.json().data);
    });
    // Before issue 11: the token read, the user read, BEGIN, two UPDATEs, the INSERT, COMMIT (7).
    expect(refresh).toHaveLength(4);
    expect(refresh.slice(0, 2)).toEqual(["select user.*, token.id", "insert into refresh_tokens"]);
    expect(refresh.slice(2).sort()).toEqual(["update refresh_tokens set", "update sessions set"]);

    const me = await statementsOf(async () => {
      const response = await service.app.inject({
        method: "GET",
        url: "/api/v1/auth/me",
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().data.user).toMatchObject({ twoFactorEnabled: false, backupCodesRemaining: 0 });
    });
    // Before issue 11: the user and session, then the 2FA status (2).
    expect(me).toHaveLength(1);
    expect(me[0]).toMatch(/^select user\./);

    await statementsOf(async () => {
      const response = await service.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "statements@example.com", password: "Integr4tion-pass!" },
      });
      expect(response.statusCode).toBe(200);
    });
    // The lockout counters are read and written once, by the reservation, and cleared at the end;
    // before issue 11 a second read-and-write gave the attempt back just before they were cleared.
    const login = statements.map((sql) => sql.replaceAll(/[`"]/g, "").toLowerCase());
    expect(login.filter((sql) => /^select \* from login_failures/.test(sql))).toHaveLength(1);
    // MySQL first makes sure the counters' rows exist, in a statement of its own (no BEGIN and
    // COMMIT around it), so the reservation's FOR UPDATE has rows to lock; SQLite's reservation is
    // exclusive without them. The reservation writes both counters (the account's, the network's)
    // in one statement.
    expect(login.filter((sql) => /^insert (or )?ignore into login_failures/.test(sql))).toHaveLength(
      database.url().startsWith("mysql:") ? 1 : 0,
    );
    expect(login.filter((sql) => /^insert into login_failures/.test(sql))).toHaveLength(1);
    // Two transactions: the reservation, and the session's creation, with which the sign-in's
    // record (the log's entry, the counters cleared, the client made known) commits (ADR 0056);
    // before, those three were a commit each.
    expect(login.filter((sql) => /^(begin|start transaction)/.test(sql))).toHaveLength(2);
    expect(login.at(-1)).toBe("commit");
    // Before 2026-12-01's seventh session 20 on MySQL (the ignored insert in a transaction of its
    // own, a statement per counter) and 17 on SQLite.
    expect(login).toHaveLength(database.url().startsWith("mysql:") ? 17 : 16);
    expect(login.filter((sql) => /^delete from login_failures/.test(sql))).toHaveLength(1);
    // The client's known sources are read once (the lockout's read serves the "new device" check
    // too) and remembered in one statement, its device and its network together; two and two before.
    expect(login.filter((sql) => /^select source from known_sign_in_sources/.test(sql))).toHaveLength(1);
    expect(login.filter((sql) => /^insert into known_sign_in_sources/.test(sql))).toHaveLength(1);
  });
});
