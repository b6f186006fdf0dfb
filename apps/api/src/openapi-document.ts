import { composeService } from "./compose.ts";
import { parseConfig } from "./config.ts";

/**
 * A configuration that makes the same document on every machine: an in-memory database, fixed
 * secrets (nothing is signed), the default APP_URL as the server. Deployments serve their own
 * APP_URL at /docs/openapi.json; nothing else in the document depends on configuration.
 */
const documentEnvironment = {
  NODE_ENV: "test",
  DATABASE_URL: "sqlite::memory:",
  APP_URL: "http://localhost:3000",
  JWT_SECRET: "openapi-document-secret-0123456789-abcdefghij",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  COOKIE_SECRET: "openapi-document-cookie-secret-0123456789-abcdef",
  METRICS_ENABLED: "false",
} as const;

/**
 * The OpenAPI document of the composed service, as `pnpm openapi` writes it to docs/openapi.json
 * (formatted, with a final newline).
 */
export async function renderOpenAPIDocument(): Promise<string> {
  const parsed = parseConfig(documentEnvironment, () => {
    throw new Error("every secret is given");
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const service = await composeService(parsed.config, undefined, { exportWorker: { start: false } });
  try {
    await service.app.ready();
    return `${JSON.stringify(service.app.swagger(), null, 2)}\n`;
  } finally {
    await service.close();
  }
}
