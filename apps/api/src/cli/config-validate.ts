import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { environmentVariables, loadDotEnvFiles, parseConfig } from "../config.ts";
import { describeDatabase } from "../database-url.ts";
import { redactSetting } from "../redact.ts";
import { commandOptions } from "./command-options.ts";

// Validates the environment (and .env) as the server would, lists every problem at once, then
// prints every variable with its value or default. Secrets are only reported as set, and URL
// passwords are masked. It reads the development secrets file but never creates it.
commandOptions({
  usage: `Usage: pnpm config:validate

Checks the environment (and .env) as pnpm start would, lists every problem at once and exits 1 if
there is one; else prints every setting with its value or default, secrets hidden.`,
  options: {},
  refusedExitCode: 2,
});
loadDotEnvFiles();
const parsed = parseConfig(process.env, () => randomBytes(48).toString("base64url"), {
  developmentSecrets: "read",
});
if (!parsed.ok) {
  console.error(`Configuration is invalid:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
for (const warning of parsed.warnings) console.warn(`warning: ${warning}`);
const { config, developmentSecrets } = parsed;
console.log(`Configuration is valid (${config.environment}).`);
console.log(`Database: ${describeDatabase(config.database)}.`);
if (developmentSecrets !== undefined) {
  const where =
    developmentSecrets.state === "absent"
      ? `pnpm start will generate them into ${developmentSecrets.file}`
      : `kept in ${developmentSecrets.file}`;
  console.log(`Development secrets (${developmentSecrets.names.join(", ")}): ${where}.`);
}
const fromFile = new Set<string>(
  developmentSecrets?.state === "absent" ? [] : (developmentSecrets?.names ?? []),
);
// What a default or an unset variable comes to here, where the table's words cannot say it: a
// value derived from others (APP_URL from PORT), a relative path (resolved against this working
// directory, as the start resolves it). Until 2026-12-06 APP_URL read "unset: http://localhost:<PORT>".
const here = (path: string | undefined) => (path === undefined ? undefined : resolve(path));
const inEffect: Readonly<Record<string, string | undefined>> = {
  APP_URL: config.mail.appURL,
  OIDC_ISSUER: config.oidcIssuer,
  MAIL_FROM: config.mail.from,
  LOG_FILE: here(config.logFile),
  OUTBOX_DIR: here(config.mail.outboxDirectory),
  EXPORT_DIR: here(config.dataExport.directory),
};
const width = Math.max(...Object.keys(environmentVariables).map((name) => name.length)) + 2;
for (const [name, variable] of Object.entries(environmentVariables)) {
  const value = process.env[name];
  // Set empty, LOG_FILE is no file at all, which "default logs/superoauth.log" told no one.
  const shown =
    name === "LOG_FILE" && value === ""
      ? "empty: no log file, the logs go to stdout only"
      : value !== undefined && value !== ""
        ? // The table marks credentials; the name rule is a second belt for a row that forgot to.
          variable.secret
          ? "(set, hidden)"
          : redactSetting(name, value)
        : fromFile.has(name)
          ? "(from the development secrets file, hidden)"
          : variable.literalDefault
            ? `default ${variable.default}`
            : `unset: ${variable.default}`;
  const derived = variable.secret ? undefined : inEffect[name];
  const effective = derived === undefined ? undefined : redactSetting(name, derived);
  const written = value !== undefined && value !== "" ? value : variable.default;
  console.log(
    `  ${name.padEnd(width)}${shown}${effective === undefined || effective === written ? "" : ` (here: ${effective})`}`,
  );
}
