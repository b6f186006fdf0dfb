import { randomBytes } from "node:crypto";
import { environmentHelp, loadDotEnvFiles, parseConfig } from "../config.ts";
import { redactSetting } from "../redact.ts";

// Validates the environment (and .env) as the server would, then lists every variable with its
// value or default. Secrets are only reported as set, and URL passwords are masked.
loadDotEnvFiles();
const parsed = parseConfig(process.env, () => randomBytes(48).toString("base64url"));
if (!parsed.ok) {
  console.error(`Configuration is invalid:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
for (const warning of parsed.warnings) console.warn(`warning: ${warning}`);
console.log(`Configuration is valid (${parsed.config.environment}).`);
const width = Math.max(...Object.keys(environmentHelp).map((name) => name.length)) + 2;
for (const [name, help] of Object.entries(environmentHelp)) {
  const value = process.env[name];
  const shown = value === undefined || value === "" ? `default ${help.default}` : redactSetting(name, value);
  console.log(`  ${name.padEnd(width)}${shown}`);
}
