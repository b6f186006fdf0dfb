import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderOpenAPIDocument } from "../openapi-document.ts";
import { commandOptions } from "./command-options.ts";

// Rewrites docs/openapi.json from the composed service's routes (a test fails while it is stale).
commandOptions({
  usage: `Usage: pnpm openapi

Rewrites docs/openapi.json from the routes' schemas (a test fails while it is stale). The running
service serves the same document at /docs/openapi.json.`,
  options: {},
  refusedExitCode: 2,
});
const path = resolve(import.meta.dirname, "../../../../docs/openapi.json");
writeFileSync(path, await renderOpenAPIDocument());
console.log("Wrote docs/openapi.json.");
