import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createTestDatabase, type TestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputUntilExit } from "./server-process.ts";

// The README's first command, exactly: `pnpm start` at the repository root. Stopping the pnpm
// process must stop the server with it, gracefully (a wrapper that exits and leaves the server
// running would keep the port and the database pool).

const root = resolve(import.meta.dirname, "../../..");
/** What pnpm and the service need of the environment: a service that starts listens on loopback. */
const pnpmEnv = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  HOST: "127.0.0.1",
  PORT: "0",
};
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.drop());

describe("pnpm start", () => {
  it.each([
    ["to pnpm", false],
    // systemd's default stop (KillMode=control-group), `kill -- -PGID`: pnpm passes its signal on,
    // so the server gets it twice at once, which must not count as a second stop.
    ["to the process group", true],
  ])("serves, and SIGTERM %s shuts the server down gracefully", async (_to, toGroup) => {
    const child = spawn("pnpm", ["start"], {
      detached: toGroup,
      cwd: root,
      env: {
        ...pnpmEnv,
        LOG_FILE: "",
        OUTBOX_DIR: resolve(root, "apps/api/test-results/outbox"),
        DATABASE_URL: database.url,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const baseURL = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`pnpm start did not listen in time:\n${output}`)),
          45_000,
        );
        child.stdout.on("data", () => {
          const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1] !== undefined) {
            clearTimeout(timer);
            ok(match[1]);
          }
        });
        child.once("exit", (code) => fail(new Error(`pnpm start exited with ${code}:\n${output}`)));
      });
      expect((await fetch(`${baseURL}/health`)).status).toBe(200);
      // One line names the database, never its password.
      const target = new URL(database.url);
      expect(output.match(/"msg":"database: [^"]*"/g)).toEqual([
        `"msg":"database: MySQL database ${target.pathname.slice(1)} at ${target.hostname}:${target.port || 3306} (user ${decodeURIComponent(target.username)})"`,
      ]);
      // Development without JWT_SECRET and TOTP_ENCRYPTION_KEY: one line says where they are kept.
      expect(output.match(/"msg":"development secrets (generated into|read from) [^"]*"/g)).toEqual([
        expect.stringContaining(
          `${resolve(root, "data/secrets.json")} (set them in the environment in production)`,
        ),
      ]);

      // "close": once the output has been read to its end, the last lines included.
      const exited = once(child, "close");
      if (toGroup && child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      else child.kill("SIGTERM");
      await exited;
      expect(output).toContain('"signal":"SIGTERM"');
      expect(output).toContain('"msg":"shutting down"');
      expect(output).not.toContain("second stop signal");
      // The server itself is gone, not only the pnpm wrapper.
      await expect(fetch(`${baseURL}/health`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) {
        if (toGroup && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      }
    }
  });
});

// The service runs its TypeScript through Node's type stripping (Node 22.18 and later). On an older
// Node, `pnpm install` and `pnpm start` refuse in pnpm's own words, naming the version wanted
// (`.npmrc`'s engine-strict), instead of Node's stack about an unknown ".ts" extension. pnpm's
// `node-version` setting is the version its engine check takes as the running one.
describe("pnpm on a Node older than the service needs", () => {
  it.each([
    ["install", ["install", "--frozen-lockfile", "--offline"]],
    ["start", ["start"]],
  ])(
    "pnpm %s refuses, naming the Node version wanted",
    async (_name, args) => {
      const child = spawn("pnpm", ["--config.node-version=20.20.2", ...args], {
        cwd: root,
        env: { ...pnpmEnv, CI: "true" },
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group: were the service to start, stopping pnpm alone would leave it.
        detached: true,
      });
      const { code, output } = await outputUntilExit(child).finally(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // The group has ended: nothing of it is left.
        }
      });
      expect(code, output).not.toBe(0);
      expect(output).toContain("ERR_PNPM_UNSUPPORTED_ENGINE");
      expect(output).toContain("Expected version: ^22.18.0 || >=23.11.0");
      expect(output).toMatch(/Got: v?20\.20\.2/);
      expect(output).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
      expect(output).not.toContain("Server listening");
    },
    40_000,
  );
});
