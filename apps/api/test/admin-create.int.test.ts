import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { Email } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { type CLIOutcome, runCLIProcess } from "./run-cli.ts";
import { integrationTestConfig } from "./test-config.ts";

// `pnpm admin:create --email` as an operator runs it, a node process of its own, against the
// database the service uses (MySQL in project api, SQLite in api-sqlite); then the link it prints
// sets the password through the service, and the new admin uses the admin API.

const database = useTestDatabase();
const workDirectory = mkdtempSync(join(tmpdir(), "superoauth-admin-create-"));
let service: Service;

beforeAll(async () => {
  service = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined);
});
afterAll(async () => {
  await service?.close();
  rmSync(workDirectory, { recursive: true, force: true });
});

function adminCreate(args: string[], env: Record<string, string> = {}): Promise<CLIOutcome> {
  return runCLIProcess({
    file: resolve(import.meta.dirname, "../src/cli/admin-create.ts"),
    args,
    cwd: workDirectory,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "development",
      LOG_FILE: "",
      DATABASE_URL: database.url(),
      APP_URL: "https://auth.example",
      ...env,
    },
  });
}

function register(email: string, password: string, nickname: string) {
  return service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password, nickname },
  });
}

describe("pnpm admin:create", () => {
  it("creates a verified admin without a password and prints a one-time link that sets it", async () => {
    const outcome = await adminCreate(["--email", "Ops@Example.com"]);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(
      /^Created the admin account ops@example\.com \(id [0-9a-f-]{36}\), without a password\./,
    );
    const link = /(https:\/\/auth\.example\/reset-password#token=\S+)/.exec(outcome.stdout)?.[1];
    expect(link).toBeDefined();
    const user = await service.storage.users.findUserByEmail("ops@example.com" as Email);
    expect(user).toMatchObject({ role: "admin", emailVerified: true, passwordHash: null, status: "active" });

    const token = new URL(link ?? "").hash.slice("#token=".length);
    const newPassword = "Adm1n-pass-phrase!";
    const reset = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/reset-password",
      payload: { token, newPassword },
    });
    expect(reset.statusCode, reset.body).toBe(200);
    const again = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/reset-password",
      payload: { token, newPassword: "An0ther-pass-phrase!" },
    });
    expect(again.json().error).toBe("INVALID_RESET_TOKEN");
    const login = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "ops@example.com", password: newPassword },
    });
    expect(login.statusCode).toBe(200);
    const search = await service.app.inject({
      method: "GET",
      url: "/api/v1/admin/users?q=ops@",
      headers: { authorization: `Bearer ${login.json().data.accessToken}` },
    });
    expect(search.json().data.users).toMatchObject([{ email: "ops@example.com", role: "admin" }]);
  });

  it("refuses an account whose address was never verified: whoever registered it gets no admin role", async () => {
    // Anyone may register an address they do not own (ADR 0043) before the operator runs the command.
    const squatter = await register("root@example.com", "Squatt3r-chosen!", "squatter");
    expect(squatter.statusCode).toBe(201);

    const refused = await adminCreate(["--email", "root@example.com"]);

    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("root@example.com has an account whose address was never verified");
    expect(refused.stderr).toContain('reset its password from the sign-in page ("Forgot your password?")');
    expect(refused.stderr).not.toContain("Usage:");
    const user = await service.storage.users.findUserByEmail("root@example.com" as Email);
    expect(user).toMatchObject({ role: "user", emailVerified: false });
    const search = await service.app.inject({
      method: "GET",
      url: "/api/v1/admin/users",
      headers: { authorization: `Bearer ${squatter.json().data.accessToken}` },
    });
    expect(search.statusCode).toBe(403);
    expect(search.json().error).toBe("INSUFFICIENT_PERMISSIONS");
  });

  it("promotes an existing account once its address is verified, and leaves an admin as it is", async () => {
    const registered = await register("grace@example.com", "Sup3r-secret!", "grace");
    expect(registered.statusCode).toBe(201);
    await service.storage.users.markEmailVerified({
      userId: registered.json().data.user.id,
      now: new Date(),
    });

    const promoted = await adminCreate(["--email=grace@example.com"]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toBe("grace@example.com is now an admin.\n");
    const user = await service.storage.users.findUserByEmail("grace@example.com" as Email);
    expect(user).toMatchObject({ role: "admin" });
    expect(user?.passwordHash).not.toBeNull();
    // The audit lists the grant, by no account: who holds the admin role, and since when.
    const login = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "grace@example.com", password: "Sup3r-secret!" },
    });
    const audit = await service.app.inject({
      method: "GET",
      url: "/api/v1/admin/audit",
      headers: { authorization: `Bearer ${login.json().data.accessToken}` },
    });
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.json().data.actions.filter((e: { userId: string }) => e.userId === user?.id)).toMatchObject([
      {
        type: "role_changed",
        actorId: null,
        details: { role: "admin", previousRole: "user", via: "admin:create" },
        description: "Made an admin with pnpm admin:create",
        kind: "change",
        ip: null,
        userAgent: null,
      },
    ]);

    const again = await adminCreate(["--email", "grace@example.com"], { STAFF_REQUIRE_2FA: "true" });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      "grace@example.com is already an admin. Lost its password? Reset it at https://auth.example/forgot-password, or run this command with another address to make a second admin.\n" +
        "STAFF_REQUIRE_2FA is on: the admin API and console open to this account once it turns on two-factor authentication at https://auth.example/account/two-factor.\n",
    );
  });

  it("explains a missing or malformed address and exits 1", async () => {
    const missing = await adminCreate([]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Usage: pnpm admin:create --email <address>");

    const malformed = await adminCreate(["--email", "not-an-address"]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/email/i);
    expect(malformed.stderr).toContain("Usage:");

    const unknownOption = await adminCreate(["--mail", "a@b.example"]);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr).toContain("Usage:");
  });
});
