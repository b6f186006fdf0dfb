import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// A failure of ours on a provider endpoint (its table gone: not an outage, a 500 `server_error`)
// names the request's id in the JSON body, the same as the X-Request-Id header, as the API's 500
// envelope does, so the person can quote it; nothing of the cause reaches them.

const database = useTestDatabase();
let service: Service;

const move = (from: string, to: string) => database.db().schema.alterTable(from).renameTo(to).execute();

beforeAll(async () => {
  service = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined);
});
afterAll(async () => {
  await move("oidc_models_moved", "oidc_models").catch(() => {});
  await service?.close();
});

it("a provider endpoint's 500 server_error carries the X-Request-Id in its body, and no internals", async () => {
  await move("oidc_models", "oidc_models_moved");
  const response = await service.app.inject({
    method: "GET",
    url: "/oidc/device",
    headers: { accept: "application/json", cookie: "_session=abc" },
  });
  await move("oidc_models_moved", "oidc_models");
  expect(response.statusCode, response.body).toBe(500);
  const requestId = response.headers["x-request-id"];
  expect(typeof requestId).toBe("string");
  expect(response.json()).toEqual({
    error: "server_error",
    error_description: `oops! something went wrong (request id: ${requestId})`,
    request_id: requestId,
  });
  expect(response.body).not.toMatch(/oidc_models|table|sql|stack/i);
});
