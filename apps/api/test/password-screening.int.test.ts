import { useTestDatabase } from "@superoauth/adapter-mysql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";

// Password screening and normalisation as the composed service does them: zxcvbn-ts with its
// dictionaries, argon2id, MySQL (docs/decisions/0014-password-screening.md).

const database = useTestDatabase();
let service: Service;

beforeAll(async () => {
  const parsed = parseConfig(
    {
      NODE_ENV: "test",
      DATABASE_URL: database.url(),
      JWT_SECRET: "integration-test-secret-0123456789-abcdefghij",
      RATE_LIMIT_REGISTER_MAX: "1000",
      RATE_LIMIT_LOGIN_MAX: "1000",
    },
    () => "unused",
  );
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  service = await composeService(parsed.config, undefined);
});
afterAll(async () => service?.close());

function post(url: string, payload: Record<string, unknown>) {
  return service.app.inject({ method: "POST", url: `/api/v1${url}`, payload });
}

function register(input: { email: string; password: string; nickname?: string }) {
  return post("/auth/register", { nickname: "ada_lovelace", ...input });
}

describe("password screening in the composed service", () => {
  it.each([
    ["a common password's variant", "P@ssw0rd1!", /commonly used password/],
    ["a password built from the address", "Ada@example1!", /personal/],
    ["a password built from the nickname", "Ada_lovelace1!", /personal/],
  ])("refuses %s at registration with VALIDATION_ERROR 400 saying why", async (_label, password, why) => {
    const response = await register({ email: "ada@example.com", password });
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
    expect((await register({ email: "random8@example.com", password: "q7#Rv2!k" })).statusCode).toBe(201);
  });

  it("a password registered in NFC signs in typed in NFD", async () => {
    const nfc = "Cr\u00e8me-br\u00fbl\u00e9e-9!";
    expect((await register({ email: "nfc@example.com", password: nfc })).statusCode).toBe(201);
    const login = await post("/auth/login", { email: "nfc@example.com", password: nfc.normalize("NFD") });
    expect(login.statusCode).toBe(200);
  });
});
