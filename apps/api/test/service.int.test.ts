import { Writable } from "node:stream";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import type { Config } from "../src/config.ts";
import { integrationTestConfig } from "./test-config.ts";

const database = useTestDatabase();
let service: Service;
const logLines: string[] = [];

function testConfig(url: string): Config {
  const config = integrationTestConfig({
    DATABASE_URL: url,
  });
  return config;
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  service = await composeService(testConfig(database.url()), pino({ level: "trace" }, sink));
});
afterAll(async () => service?.close());

const password = "Integr4tion-pass!";
async function register(email: string) {
  return service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password, nickname: "integration" },
  });
}

describe("the composed service on MySQL", () => {
  it("twenty parallel refreshes of one token never 500 and leave one family", async () => {
    const registered = (await register("parallel@example.com")).json().data;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        service.app.inject({
          method: "POST",
          url: "/api/v1/auth/refresh",
          payload: { refreshToken: registered.refreshToken },
        }),
      ),
    );
    for (const r of responses) expect([200, 401]).toContain(r.statusCode);
    expect(responses.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(1);

    const sessions = await database
      .db()
      .selectFrom("sessions")
      .where("user_id", "=", registered.user.id)
      .selectAll()
      .execute();
    expect(sessions).toHaveLength(1);
    // Every refresh token handed out works and belongs to that one session.
    for (const r of responses.filter((r) => r.statusCode === 200)) {
      const me = await service.app.inject({
        url: "/api/v1/auth/me",
        headers: { authorization: `Bearer ${r.json().data.accessToken}` },
      });
      expect(me.statusCode).toBe(200);
    }
  });

  it("stores only hashes: no password, refresh secret or hash in a response body or log line", async () => {
    const response = await register("secrets@example.com");
    expect(response.statusCode).toBe(201);
    const { refreshToken, accessToken } = response.json().data;
    const [user] = await database
      .db()
      .selectFrom("users")
      .where("email", "=", "secrets@example.com")
      .selectAll()
      .execute();
    const tokenRows = await database.db().selectFrom("refresh_tokens").select("secret_hash").execute();
    const secret = String(refreshToken).split(".")[1] ?? "";

    expect(user?.password_hash).toMatch(/^\$argon2id\$/);
    expect(tokenRows.map((r) => r.secret_hash)).not.toContain(secret);

    const me = await service.app.inject({
      url: "/api/v1/auth/me",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    for (const body of [response.body, me.body]) {
      expect(body).not.toContain(user?.password_hash);
      for (const row of tokenRows) expect(body).not.toContain(row.secret_hash);
    }
    const logs = logLines.join("");
    expect(logs.length).toBeGreaterThan(0);
    for (const secretValue of [
      password,
      user?.password_hash ?? "x",
      accessToken,
      secret,
      ...tokenRows.map((r) => r.secret_hash),
    ]) {
      expect(logs).not.toContain(secretValue);
    }
  });

  it("reports readiness from the database, the migrations, the other instances' settings and (SQLite) the disk", async () => {
    const ready = await service.app.inject({ url: "/ready" });
    const onSQLite = database.url().startsWith("sqlite:");
    expect(ready.json()).toEqual({
      success: true,
      data: {
        status: "ready",
        checks: {
          database: { status: "up", required: true, latencyMs: expect.any(Number) },
          migrations: { status: "up", required: true, latencyMs: expect.any(Number) },
          instances: { status: "up", required: false, latencyMs: expect.any(Number) },
          // A SQLite file's disk is ours to watch; MySQL's is its server's.
          ...(onSQLite ? { disk: { status: "up", required: false, latencyMs: expect.any(Number) } } : {}),
        },
      },
    });
  });
});

// Password screening and normalisation as the composed service does them: zxcvbn-ts with its
// dictionaries, argon2id, MySQL (docs/decisions/0014-password-screening.md).

function post(url: string, payload: Record<string, unknown>) {
  return service.app.inject({ method: "POST", url: `/api/v1${url}`, payload });
}

function registerWith(input: { email: string; password: string; nickname?: string }) {
  return post("/auth/register", { nickname: "ada_lovelace", ...input });
}

describe("password screening in the composed service", () => {
  it.each([
    ["a common password's variant", "P@ssw0rd1!", /commonly used password/],
    ["a password built from the address", "Ada@example1!", /built from your email address or nickname/],
    ["a password built from the nickname", "Ada_lovelace1!", /built from your email address or nickname/],
  ])("refuses %s at registration with VALIDATION_ERROR 400 saying why", async (_label, password, why) => {
    const response = await registerWith({ email: "ada@example.com", password });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: {
        success: false,
        error: "VALIDATION_ERROR",
        message: expect.stringMatching(new RegExp(`^Password is too easy to guess: .*${why.source}`)),
      },
    });
  });

  it("accepts a random 8-character password that meets the contract's rules", async () => {
    expect((await registerWith({ email: "random8@example.com", password: "q7#Rv2!k" })).statusCode).toBe(201);
  });

  it("a password registered in NFC signs in typed in NFD", async () => {
    const nfc = "Cr\u00e8me-br\u00fbl\u00e9e-9!";
    expect((await registerWith({ email: "nfc@example.com", password: nfc })).statusCode).toBe(201);
    const login = await post("/auth/login", { email: "nfc@example.com", password: nfc.normalize("NFD") });
    expect(login.statusCode).toBe(200);
  });
});
