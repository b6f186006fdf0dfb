import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderOpenAPIDocument } from "../openapi-document.ts";

// Rewrites docs/openapi.json from the composed service's routes (a test fails while it is stale).
const path = resolve(import.meta.dirname, "../../../../docs/openapi.json");
writeFileSync(path, await renderOpenAPIDocument());
console.log("Wrote docs/openapi.json.");
