import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ConfigResult, parseConfig } from "./config.ts";
import { developmentSecretsFile } from "./development-secrets.ts";

/** Files whose reading fails with EACCES, as another user's 0600 file does (root reads anything). */
const unreadable = vi.hoisted(() => new Set<string>());
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    if (unreadable.has(String(args[0])))
      throw Object.assign(new Error(`EACCES: permission denied, open '${String(args[0])}'`), {
        code: "EACCES",
      });
    return fs.readFileSync(...args);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const makeSecret = () => "injected-secret-injected-secret-0123456789";
const strongSecret = "k3Jd9sLq0ZxV7bNw2PmR5tYc8HfGaE1u";
const directories: string[] = [];

function dataDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "superoauth-secrets-"));
  directories.push(directory);
  return directory;
}

function ok(result: ConfigResult): Extract<ConfigResult, { ok: true }> {
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result;
}

/** A development start, as main.ts parses its configuration. */
function start(env: Record<string, string>): ConfigResult {
  return parseConfig(env, makeSecret, { developmentSecrets: "create" });
}

afterEach(() => {
  unreadable.clear();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("development secrets kept beside the SQLite database", () => {
  it("two starts on the same data folder sign with the same JWT key and decrypt with the same TOTP key", () => {
    const folder = join(dataDirectory(), "not-yet-there");
    const env = { DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` };

    const first = ok(start(env));
    const second = ok(start(env));

    const file = join(folder, "secrets.json");
    expect(first.developmentSecrets).toEqual({
      file,
      state: "created",
      names: ["JWT_SECRET", "TOTP_ENCRYPTION_KEY", "COOKIE_SECRET"],
    });
    expect(second.developmentSecrets?.state).toBe("read");
    expect(second.config.jwt.secret).toBe(first.config.jwt.secret);
    expect(Buffer.from(second.config.security.totpEncryptionKey)).toEqual(
      Buffer.from(first.config.security.totpEncryptionKey),
    );
    expect(second.config.oauth.cookieSecret).toBe(first.config.oauth.cookieSecret);
    // Generated, not the injected per-process source; 32 random bytes each.
    expect(first.config.jwt.secret).not.toBe(makeSecret());
    expect(Buffer.from(first.config.jwt.secret, "base64url").byteLength).toBe(32);
    expect(first.config.security.totpEncryptionKey.byteLength).toBe(32);
    expect([first.config.jwt.secretIsEphemeral, first.config.security.totpEncryptionKeyIsEphemeral]).toEqual([
      false,
      false,
    ]);
    expect(first.warnings.join("\n")).not.toMatch(/is not set/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it("gives another data folder other secrets", () => {
    const one = ok(start({ DATABASE_URL: `sqlite:${join(dataDirectory(), "a.db")}` }));
    const other = ok(start({ DATABASE_URL: `sqlite:${join(dataDirectory(), "a.db")}` }));

    expect(other.config.jwt.secret).not.toBe(one.config.jwt.secret);
  });

  it("lets a variable set in the environment win, taking only the unset ones from the file", () => {
    const env = {
      DATABASE_URL: `sqlite:${join(dataDirectory(), "superoauth.db")}`,
      JWT_SECRET: strongSecret,
    };

    const parsed = ok(start(env));

    expect(parsed.config.jwt.secret).toBe(strongSecret);
    expect(parsed.developmentSecrets?.names).toEqual(["TOTP_ENCRYPTION_KEY", "COOKIE_SECRET"]);
  });

  it("refuses a secrets file other users may read, saying how to fix it", () => {
    const folder = dataDirectory();
    const env = { DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` };
    ok(start(env));
    chmodSync(join(folder, "secrets.json"), 0o644);

    const parsed = start(env);

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      `${join(folder, "secrets.json")} holds the development secrets but other users may read or change it (mode 644): run chmod 600 ${join(folder, "secrets.json")}`,
    ]);
  });

  it("says a file it may not read belongs to another user, rather than that it is no secrets file to move away", () => {
    const folder = dataDirectory();
    const env = { DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` };
    ok(start(env));
    const file = join(folder, "secrets.json");
    const before = readFileSync(file, "utf8");
    unreadable.add(file);

    const parsed = start(env);

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      `${file} cannot be read by this process (EACCES): run the service as the user that owns it, or set JWT_SECRET, TOTP_ENCRYPTION_KEY, COOKIE_SECRET; do not move it away (new keys would no longer decrypt the 2FA enrolled under it)`,
    ]);
    unreadable.clear();
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("refuses a file that is not a secrets file, without inventing new keys over it", () => {
    const folder = dataDirectory();
    writeFileSync(join(folder, "secrets.json"), '{"JWT_SECRET": 42}', { mode: 0o600 });

    const parsed = start({ DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` });

    expect(parsed.ok ? "" : parsed.problems.join()).toContain("is not a development secrets file");
    expect(readFileSync(join(folder, "secrets.json"), "utf8")).toBe('{"JWT_SECRET": 42}');
  });

  it("refuses a file whose keys are not valid secrets, naming the variable and the file, not the value", () => {
    const folder = dataDirectory();
    const file = join(folder, "secrets.json");
    const secrets = {
      JWT_SECRET: "hunter2",
      TOTP_ENCRYPTION_KEY: "ab".repeat(32),
      COOKIE_SECRET: strongSecret,
    };
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });

    const parsed = start({ DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` });

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      `JWT_SECRET is invalid: must be at least 32 bytes (e.g. \`openssl rand -base64 48\`) in ${file}`,
    ]);
  });

  it("says so, rather than crashing, when the data folder cannot be made", () => {
    const blocker = join(dataDirectory(), "a-file");
    writeFileSync(blocker, "");

    const parsed = start({ DATABASE_URL: `sqlite:${join(blocker, "auth.db")}` });

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      `cannot use the development secrets file ${join(blocker, "secrets.json")} (ENOTDIR): make its folder writable, or set JWT_SECRET, TOTP_ENCRYPTION_KEY and COOKIE_SECRET`,
    ]);
  });

  it("only reads the file when asked to (config:validate): a missing one is reported, not created", () => {
    const folder = dataDirectory();

    const parsed = ok(
      parseConfig({ DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` }, makeSecret, {
        developmentSecrets: "read",
      }),
    );

    expect(parsed.developmentSecrets?.state).toBe("absent");
    expect(existsSync(join(folder, "secrets.json"))).toBe(false);
  });

  it("a start that may not migrate refuses a SQLite file not there yet, before it writes the secrets or the file", () => {
    const folder = join(dataDirectory(), "not-yet-there");
    const env = { DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}`, MIGRATE_ON_START: "false" };

    const parsed = start(env);

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      `no SQLite file at ${join(folder, "superoauth.db")} yet and MIGRATE_ON_START=false: run \`pnpm db:migrate\` to create it, or start with MIGRATE_ON_START=true`,
    ]);
    expect(existsSync(folder)).toBe(false);
    // Only the start refuses: config:validate reads, and the file is the migration's to create.
    expect(parseConfig(env, makeSecret, { developmentSecrets: "read" }).ok).toBe(true);
    // A file there (`pnpm db:migrate` made it) is the start's to check for pending migrations.
    mkdirSync(folder);
    writeFileSync(join(folder, "superoauth.db"), "");
    expect(ok(start(env)).developmentSecrets?.state).toBe("created");
  });

  it("production never reads or writes the file and still refuses to start without JWT_SECRET and TOTP_ENCRYPTION_KEY", () => {
    const folder = dataDirectory();
    const env = { NODE_ENV: "production", DATABASE_URL: `sqlite:${join(folder, "superoauth.db")}` };
    ok(start({ DATABASE_URL: env.DATABASE_URL }));

    const parsed = start(env);

    const problems = parsed.ok ? "" : parsed.problems.join("\n");
    expect(problems).toContain("JWT_SECRET is required outside development (NODE_ENV=production)");
    expect(problems).toContain("TOTP_ENCRYPTION_KEY is required in production");
  });

  it("NODE_ENV=test keeps the injected secrets and writes no file", () => {
    const folder = dataDirectory();

    const parsed = ok(
      start({ NODE_ENV: "test", JWT_SECRET: strongSecret, DATABASE_URL: `sqlite:${join(folder, "x.db")}` }),
    );

    expect(parsed.developmentSecrets).toBeUndefined();
    expect(parsed.config.oauth.cookieSecret).toBe(makeSecret());
    expect(existsSync(join(folder, "secrets.json"))).toBe(false);
  });

  it("keeps no file for an in-memory database, whose data dies with the process anyway", () => {
    const parsed = ok(start({ DATABASE_URL: "sqlite::memory:" }));

    expect(parsed.developmentSecrets).toBeUndefined();
    expect(parsed.config.jwt.secretIsEphemeral).toBe(true);
    expect(parsed.warnings.join("\n")).toContain("JWT_SECRET is not set");
  });

  it("keeps them in data/secrets.json of the working directory with MySQL, where the default SQLite keeps them", () => {
    const mysql = developmentSecretsFile({ kind: "mysql", host: "db", port: 3306, database: "x", user: "u" });
    const sqlite = developmentSecretsFile({ kind: "sqlite", file: resolve("data/superoauth.db") });

    expect(mysql).toBe(resolve("data/secrets.json"));
    expect(sqlite).toBe(mysql);
  });
});
