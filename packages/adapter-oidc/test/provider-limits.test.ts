import { useMySQLTestDatabase, useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { describe, expect, it } from "vitest";
import { oidcBodyLimitBytes } from "../src/body-limit.ts";
import { storedUserAgentLength } from "../src/provider-settings.ts";
import { publicApp, useOIDCTestServer } from "./oidc-test-server.ts";

// What one unauthenticated request can make us hold in oidc_models (docs/oidc.md, "Limits"): a
// device code per request to /oidc/device/auth with a public app's client_id, an interaction per
// authorization request. Measured on both databases, as stored.

const tooLarge = {
  error: "invalid_request",
  error_description: `the request body is larger than ${oidcBodyLimitBytes} bytes`,
};

/** A device authorization body of exactly `bytes` bytes, its padding in a parameter the code keeps. */
function deviceAuthorizationBody(bytes: number): string {
  const start = `client_id=${publicApp.clientId}&scope=openid&login_hint=`;
  return start + "a".repeat(bytes - start.length);
}

for (const [backend, useDatabase] of [
  ["SQLite", useSQLiteTestDatabase],
  ["MySQL", useMySQLTestDatabase],
] as const) {
  describe(`request limits on ${backend}`, () => {
    const database = useDatabase();
    const server = useOIDCTestServer(() => database.storage().oidcModels);

    /** The stored payloads' sizes (bytes of JSON) of `model`'s rows. */
    async function storedBytes(model: string): Promise<number[]> {
      const rows = await database
        .db()
        .selectFrom("oidc_models")
        .select(["payload"])
        .where("model", "=", model)
        .execute();
      return rows.map((row) => Buffer.byteLength(String(row.payload)));
    }

    it("keeps the device code of the largest accepted request under 17 KB, its user agent cut", async () => {
      const before = await storedBytes("DeviceCode");
      const response = await fetch(`${server().issuer}/oidc/device/auth`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          // Node's header limit (16 KB for all of them) leaves room for about this much.
          "user-agent": "u".repeat(12_000),
        },
        body: deviceAuthorizationBody(oidcBodyLimitBytes),
      });
      expect(response.status).toBe(200);
      const after = await storedBytes("DeviceCode");
      expect(after.length).toBe(before.length + 1);
      const largest = Math.max(...after);
      expect(largest).toBeGreaterThan(oidcBodyLimitBytes - 100);
      expect(largest).toBeLessThan(17 * 1024);
      const [row] = await database
        .db()
        .selectFrom("oidc_models")
        .select(["payload"])
        .where("model", "=", "DeviceCode")
        .execute()
        .then((rows) => rows.filter((stored) => String(stored.payload).length === largest));
      const payload = JSON.parse(String(row?.payload)) as { deviceInfo?: { ua?: string } };
      expect(payload.deviceInfo?.ua).toBe("u".repeat(storedUserAgentLength));
    });

    it("refuses a body over the limit 413 invalid_request, storing nothing", async () => {
      const before = await storedBytes("DeviceCode");
      const response = await fetch(`${server().issuer}/oidc/device/auth`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: deviceAuthorizationBody(oidcBodyLimitBytes + 1),
      });
      expect(response.status).toBe(413);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(await response.json()).toEqual(tooLarge);
      expect(await storedBytes("DeviceCode")).toEqual(before);
    });

    it("refuses a chunked body (no Content-Length) over the limit the same way", async () => {
      const body = new TextEncoder().encode(deviceAuthorizationBody(oidcBodyLimitBytes + 1));
      const response = await fetch(`${server().issuer}/oidc/device/auth`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new ReadableStream({
          start(controller) {
            for (let at = 0; at < body.length; at += 4096) controller.enqueue(body.slice(at, at + 4096));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual(tooLarge);
    });

    it("still reads a chunked body within the limit", async () => {
      const body = new TextEncoder().encode(deviceAuthorizationBody(oidcBodyLimitBytes));
      const response = await fetch(`${server().issuer}/oidc/device/auth`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(body);
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(200);
    });

    it("answers a browser's oversized form with the error page, 413", async () => {
      const response = await fetch(`${server().issuer}/oidc/device`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
        body: `xsrf=x&user_code=${"a".repeat(oidcBodyLimitBytes)}`,
      });
      expect(response.status).toBe(413);
      const page = await response.text();
      expect(page).toContain('<p id="error">invalid_request</p>');
      expect(page).toContain(tooLarge.error_description);
      expect(page).toContain('id="during">device<');
    });

    it("keeps an interaction under 17 KB: the query is bounded by Node's 16 KB header limit", async () => {
      const url = new URL(`${server().issuer}/oidc/auth`);
      url.searchParams.set("client_id", publicApp.clientId);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("redirect_uri", publicApp.redirectURI);
      url.searchParams.set("scope", "openid");
      url.searchParams.set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
      url.searchParams.set("code_challenge_method", "S256");
      url.searchParams.set("state", "s".repeat(15_500));
      const before = await storedBytes("Interaction");
      const response = await fetch(url, { redirect: "manual" });
      expect(response.status).toBe(303);
      const after = await storedBytes("Interaction");
      expect(after.length).toBe(before.length + 1);
      expect(Math.max(...after)).toBeGreaterThan(15_500);
      expect(Math.max(...after)).toBeLessThan(17 * 1024);
      url.searchParams.set("state", "s".repeat(16_500));
      expect((await fetch(url, { redirect: "manual" })).status).toBe(431);
    });
  });
}
