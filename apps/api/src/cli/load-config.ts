import { randomBytes } from "node:crypto";
import { type Config, loadDotEnvFiles, type ParseOptions, parseConfig } from "../config.ts";
import { maskURLCredentials } from "../redact.ts";

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

/** The database URL with any password masked, for printing. */
export function maskURL(url: string): string {
  return maskURLCredentials(url);
}
