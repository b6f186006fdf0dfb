import { randomBytes } from "node:crypto";
import { environmentHelp, loadDotEnvFiles, parseConfig } from "../config.ts";

loadDotEnvFiles();
const parsed = parseConfig(process.env, () => randomBytes(48).toString("base64url"));
if (!parsed.ok) {
  console.error(`Configuration is invalid:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
for (const warning of parsed.warnings) console.warn(`warning: ${warning}`);
console.log(`Configuration is valid (${parsed.config.environment}).`);
for (const [name, help] of Object.entries(environmentHelp)) {
  const value = process.env[name];
  const shown =
    value === undefined || value === "" ? `default ${help.default}` : name === "JWT_SECRET" ? "set" : value;
  console.log(`  ${name.padEnd(24)} ${shown}`);
}
