import { randomBytes } from "node:crypto";
import { type Config, loadDotEnvFiles, type ParseOptions, parseConfig } from "../config.ts";
import { sqliteFileToCreate, whoCreatesSQLiteFile } from "../database-url.ts";

/** Loads configuration for a CLI command, or prints the problems and exits 1. */
export function loadConfigOrExit(options: ParseOptions = {}): Config {
  loadDotEnvFiles();
  const parsed = parseConfig(process.env, () => randomBytes(48).toString("base64url"), options);
  if (!parsed.ok) {
    console.error(`Invalid configuration:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exit(1);
  }
  return parsed.config;
}

/**
 * Why the configured SQLite file is not there to read yet, or null (MySQL, or the file exists).
 * The commands that only look (db:status, doctor) say so rather than create it.
 */
export function sqliteFileNotCreated(config: Config): string | null {
  const file = sqliteFileToCreate(config.database);
  return file === undefined ? null : whoCreatesSQLiteFile(file, config.migrateOnStart);
}
