import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderEnvExample, withReadmeTable } from "../config-docs.ts";
import { commandOptions } from "./command-options.ts";

// Rewrites .env.example and the README's configuration table from the variables table in config.ts.
commandOptions({
  usage: `Usage: pnpm config:docs

Rewrites .env.example and the configuration table of README.md from the variables config.ts
declares (a test fails while they are stale).`,
  options: {},
  refusedExitCode: 2,
});
const root = resolve(import.meta.dirname, "../../../..");
writeFileSync(resolve(root, ".env.example"), renderEnvExample());
const readme = resolve(root, "README.md");
writeFileSync(readme, withReadmeTable(readFileSync(readme, "utf8")));
console.log("Wrote .env.example and the configuration table of README.md.");
