import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { percentEncodingAdvice, type Reading } from "./variables.ts";

/** Where the data lives, as DATABASE_URL says. */
export type DatabaseLocation =
  | { readonly kind: "sqlite" /** Absolute path of the database file. */; readonly file: string }
  | { readonly kind: "sqlite-memory" }
  | {
      readonly kind: "mysql";
      readonly host: string;
      readonly port: number;
      readonly database: string;
      readonly user: string;
    };

const acceptedForms = "sqlite:<path>, sqlite::memory: or mysql://user:password@host:3306/database";

/**
 * Reads DATABASE_URL. A relative SQLite path is resolved against the working directory now,
 * as LOG_FILE and OUTBOX_DIR are when they are opened, so the log line, the development
 * secrets file and the storage all name the same absolute file.
 */
export function parseDatabaseURL(text: string): Reading<DatabaseLocation> {
  const value = text.trim();
  if (value === "sqlite::memory:") return { value: { kind: "sqlite-memory" } };
  if (value.startsWith("sqlite:")) {
    const path = value.slice("sqlite:".length);
    if (path === "" || path.startsWith("//")) {
      return { problem: `must name a file after sqlite: (accepted: ${acceptedForms})` };
    }
    return { value: { kind: "sqlite", file: resolve(path) } };
  }
  if (value.startsWith("mysql://")) {
    let parsed: { url: URL; user: string; database: string };
    try {
      const url = new URL(value);
      // The driver decodes the password as these are decoded (mysql2's connection_config.js): a
      // "%" not followed by two hex digits would throw there, as a stack instead of this line.
      decodeURIComponent(url.password);
      parsed = {
        url,
        user: decodeURIComponent(url.username),
        database: decodeURIComponent(url.pathname.slice(1)),
      };
    } catch {
      // The usual cause: a password with a character URLs reserve ("/" from `openssl rand -base64`,
      // a "%" of its own).
      const hint = value.includes("@") ? `; ${percentEncodingAdvice}` : "";
      return { problem: `is not a URL${hint} (accepted: ${acceptedForms})` };
    }
    const { url, user, database } = parsed;
    if (url.hostname === "" || database === "" || database.includes("/")) {
      return { problem: `must name a host and a database (accepted: ${acceptedForms})` };
    }
    return {
      value: {
        kind: "mysql",
        host: url.hostname,
        port: url.port === "" ? 3306 : Number(url.port),
        database,
        user,
      },
    };
  }
  return { problem: `must be one of ${acceptedForms}` };
}

/** The URL the storage is opened with: SQLite files by their absolute path, MySQL as given. */
export function storageURL(location: DatabaseLocation, given: string): string {
  switch (location.kind) {
    case "sqlite":
      return `sqlite:${location.file}`;
    case "sqlite-memory":
      return "sqlite::memory:";
    case "mysql":
      return given.trim();
  }
}

/** Which database this is, for the start's log line: never a password. */
export function describeDatabase(location: DatabaseLocation): string {
  switch (location.kind) {
    case "sqlite":
      return `SQLite database ${location.file}`;
    case "sqlite-memory":
      return "SQLite in memory (the data is gone when the process stops)";
    case "mysql":
      return `MySQL database ${location.database} at ${location.host}:${location.port} (user ${location.user})`;
  }
}

/**
 * The server a MySQL connection answers, as its version names it: MariaDB says so in its version
 * (`10.11.19-MariaDB-0+deb12u1`), where "MySQL 10.11" would name a release that does not exist.
 */
export function describeServerVersion(version: string): string {
  return `${/mariadb/i.test(version) ? "MariaDB" : "MySQL"} ${version}`;
}

/**
 * The SQLite file DATABASE_URL names when it is not there yet and opening it would create it, else
 * undefined (MySQL, memory, or the file exists). A file where a folder belongs is not counted:
 * opening it fails, and that failure says why.
 */
export function sqliteFileToCreate(location: DatabaseLocation): string | undefined {
  if (location.kind !== "sqlite" || existsSync(location.file)) return undefined;
  let folder = dirname(location.file);
  while (!existsSync(folder)) folder = dirname(folder);
  return statSync(folder).isDirectory() ? location.file : undefined;
}

/** Who creates a SQLite file that is not there yet: the start only when it migrates. */
export function whoCreatesSQLiteFile(file: string, migrateOnStart: boolean): string {
  return migrateOnStart
    ? `no SQLite file at ${file} yet: pnpm start (or pnpm db:migrate) creates it`
    : `no SQLite file at ${file} yet and MIGRATE_ON_START=false: run \`pnpm db:migrate\` to create it, or start with MIGRATE_ON_START=true`;
}
