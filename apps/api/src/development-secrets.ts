import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { DatabaseLocation } from "./database-url.ts";

/** The secrets a development start keeps in a file when they are not set (docs/operations.md). */
export const developmentSecretNames = ["JWT_SECRET", "TOTP_ENCRYPTION_KEY", "COOKIE_SECRET"] as const;
export type DevelopmentSecretName = (typeof developmentSecretNames)[number];
export type DevelopmentSecrets = Record<DevelopmentSecretName, string>;

/**
 * Where development secrets are kept: beside the SQLite file, so they live and die with the data
 * they protect (the TOTP key decrypts what that database holds); `data/secrets.json` in the working
 * directory with MySQL (the same file as beside the default SQLite database). None for
 * `sqlite::memory:`: its data ends with the process, so per-process secrets lose nothing.
 */
export function developmentSecretsFile(database: DatabaseLocation): string | undefined {
  switch (database.kind) {
    case "sqlite":
      return join(dirname(database.file), "secrets.json");
    case "mysql":
      return resolve("data", "secrets.json");
    case "sqlite-memory":
      return undefined;
  }
}

/** 32 random bytes each (RFC 7518 section 3.2: an HS256 key at least as long as the hash). */
function generate(): DevelopmentSecrets {
  return {
    JWT_SECRET: randomBytes(32).toString("base64url"),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    COOKIE_SECRET: randomBytes(32).toString("base64url"),
  };
}

export type SecretsFileReading =
  | { readonly secrets: DevelopmentSecrets; readonly created: boolean }
  | { readonly absent: true }
  | { readonly problem: string };

/**
 * Reads the development secrets file, or (with `create`) writes a new one first: mode 0600 in a
 * folder created 0700. A file other users may read or write is refused, as ssh refuses such a key:
 * whoever reads it can sign tokens and decrypt the stored TOTP secrets.
 */
export function readDevelopmentSecrets(input: { file: string; create: boolean }): SecretsFileReading {
  try {
    return readOrCreate(input);
  } catch (error) {
    // A folder this user may not write, or a path through a file (EACCES, EROFS, ENOTDIR): the
    // operator's to fix, so a problem listed with the others, not a crash.
    return {
      problem: `cannot use the development secrets file ${input.file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): make its folder writable, or set JWT_SECRET, TOTP_ENCRYPTION_KEY and COOKIE_SECRET`,
    };
  }
}

function readOrCreate(input: { file: string; create: boolean }): SecretsFileReading {
  const { file } = input;
  let created = false;
  if (!exists(file)) {
    if (!input.create) return { absent: true };
    created = createExclusively(file, generate());
  }
  // Windows has no POSIX modes to check; NTFS permissions follow the user's profile folder.
  if (process.platform !== "win32") {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      return {
        problem: `${file} holds the development secrets but other users may read or change it (mode ${mode.toString(8)}): run chmod 600 ${file}`,
      };
    }
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another user's file (the service started as someone else than the first time): the file is
    // fine, so never advise moving it away, which would make new keys.
    if (code !== "EACCES" && code !== "EPERM") throw error;
    return {
      problem: `${file} cannot be read by this process (${code}): run the service as the user that owns it, or set ${developmentSecretNames.join(", ")}; do not move it away (new keys would no longer decrypt the 2FA enrolled under it)`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const secrets = parsed as Partial<Record<DevelopmentSecretName, unknown>> | undefined;
  if (
    typeof secrets !== "object" ||
    secrets === null ||
    developmentSecretNames.some((name) => typeof secrets[name] !== "string")
  ) {
    return {
      problem: `${file} is not a development secrets file (JSON with ${developmentSecretNames.join(", ")}): set the variables, or move the file away to generate new ones (2FA enrolled with the old key then no longer decrypts)`,
    };
  }
  return { secrets: secrets as DevelopmentSecrets, created };
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Writes the whole file under a temporary name, then links it into place: two processes starting
 * at once both succeed, and both read the one file that won (never a half-written one).
 * Returns whether this process's file won.
 */
function createExclusively(file: string, secrets: DevelopmentSecrets): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const note = "Development secrets generated by SuperOAuth; never use them in production.";
  writeFileSync(temporary, `${JSON.stringify({ note, ...secrets }, null, 2)}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
