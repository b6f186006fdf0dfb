import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "@superoauth/application";
import { composeService, type Service } from "../src/compose.ts";
import { type Config, parseConfig } from "../src/config.ts";
import { freePort } from "./browser.ts";

/** The fixed secrets of the integration tests' configuration (also given to the CLIs they run). */
export const integrationTestSecrets = {
  JWT_SECRET: "integration-test-secret-0123456789-abcdefghij",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  COOKIE_SECRET: "integration-cookie-secret-0123456789-abcdef",
} as const;

/**
 * The configuration integration tests compose the service with: fixed test secrets, per-IP rate
 * limits far above what a test spends (tests of the limits themselves set their own), mails that
 * go to an outbox under the temporary directory unless the test names an SMTP server, plus the
 * test's own `env` (DATABASE_URL, providers, and whatever the test is about), which wins.
 */
export function integrationTestConfig(env: Record<string, string>): Config {
  const parsed = parseConfig(
    {
      NODE_ENV: "test",
      ...integrationTestSecrets,
      RATE_LIMIT_REGISTER_MAX: "10000",
      RATE_LIMIT_LOGIN_MAX: "10000",
      RATE_LIMIT_GENERAL_MAX: "10000",
      RATE_LIMIT_EMAIL_MAX: "10000",
      RATE_LIMIT_DEVICE_CODE_MAX: "10000",
      RATE_LIMIT_PAGES_MAX: "10000",
      OUTBOX_DIR: join(tmpdir(), "superoauth-test-outbox"),
      ...env,
    },
    () => "unused",
  );
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.config;
}

/**
 * The composed service listening on a free port of 127.0.0.1, with APP_URL (the issuer) its own URL;
 * `env` adds to the test configuration, `clock` replaces the real one.
 */
export async function listenComposedService(
  databaseURL: string,
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    logger?: Parameters<typeof composeService>[1];
  } = {},
): Promise<{ service: Service; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await composeService(
    integrationTestConfig({ ...options.env, DATABASE_URL: databaseURL, APP_URL: url }),
    options.logger,
    options.clock === undefined ? {} : { clock: options.clock },
  );
  await service.app.listen({ host: "127.0.0.1", port });
  return { service, url };
}

/**
 * Calls the service's JSON API at `baseURL` (`/api/v1` + `path`, with a Bearer token when given)
 * and answers the envelope's `data`; any failure throws with the status and the body.
 */
export async function callJSONAPI(
  baseURL: string,
  input: { method: string; path: string; body?: unknown; token?: string | undefined },
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseURL}/api/v1${input.path}`, {
    method: input.method,
    headers: {
      ...(input.body === undefined ? {} : { "content-type": "application/json" }),
      ...(input.token === undefined ? {} : { authorization: `Bearer ${input.token}` }),
    },
    body: input.body === undefined ? undefined : JSON.stringify(input.body),
  });
  const json = (await response.json()) as { data?: Record<string, unknown> };
  if (!response.ok || json.data === undefined) {
    throw new Error(`${input.method} ${input.path}: ${response.status} ${JSON.stringify(json)}`);
  }
  return json.data;
}
