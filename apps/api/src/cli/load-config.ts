import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type Config, loadDotEnvFiles, type ParseOptions, parseConfig } from "../config.ts";

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
  if (config.database.kind !== "sqlite" || existsSync(config.database.file)) return null;
  // Only if the start could create it: a file where a folder belongs is a problem opening tells.
  let folder = dirname(config.database.file);
  while (!existsSync(folder)) folder = dirname(folder);
  if (!statSync(folder).isDirectory()) return null;
  return `no SQLite file at ${config.database.file} yet: pnpm start (or pnpm db:migrate) creates it`;
}
