import { createHash } from "node:crypto";
import { createUseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  messageOf,
  otherRegistration,
  recordingLogger,
  refresh,
  registerUser,
  type SignedInData,
  type TestDependencies,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
let ada: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  ada = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

const day = 24 * 3600_000;
const request = (token: string) =>
  app.inject({ method: "POST", url: "/api/v1/user/export", headers: bearer(token) });
const status = (id: string, token: string) =>
  app.inject({ method: "GET", url: `/api/v1/user/export/${id}`, headers: bearer(token) });
const download = (id: string, token: string) =>
  app.inject({ method: "GET", url: `/api/v1/user/export/${id}/download`, headers: bearer(token) });

async function requested(): Promise<string> {
  const response = await request(ada.accessToken);
  expect(response.statusCode).toBe(202);
  return response.json().data.exportId;
}

describe("/api/v1/user/export", () => {
  it("answers 202 with the pending export, and the same export to a second request", async () => {
    const first = await request(ada.accessToken);
    expect(first.statusCode).toBe(202);
    expect(first.json().data).toMatchObject({
      status: "pending",
      progress: 0,
      created: true,
      sizeBytes: null,
    });
    const second = await request(ada.accessToken);
    expect(second.json().data).toMatchObject({ exportId: first.json().data.exportId, created: false });
  });

  it("logs the export's id with the request's, which leads from the request to the worker's lines about it", async () => {
    await app.close();
    const lines: Record<string, unknown>[] = [];
    ({ app, deps } = await buildTestApp({ logger: recordingLogger(lines) }));
    ada = await registerUser(app);
    const response = await request(ada.accessToken);
    expect(response.statusCode).toBe(202);
    expect(lines.filter((line) => line.msg === "data export requested")).toEqual([
      expect.objectContaining({
        reqId: response.headers["x-request-id"],
        exportId: response.json().data.exportId,
        created: true,
      }),
    ]);
  });

  it("starts five exports a day, answers the active one past them, then RATE_LIMIT_EXCEEDED 429 with Retry-After", async () => {
    const useCases = createUseCases(deps);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) deps.clock.advance(10_000);
      ids.push(await requested());
      if (i < 4) await useCases.runNextDataExport({});
    }
    // The fifth is still pending: asking again answers it, allowance spent or not.
    const again = await request(ada.accessToken);
    expect(again.statusCode).toBe(202);
    expect(again.json().data).toMatchObject({ exportId: ids[4], created: false });
    await useCases.runNextDataExport({});

    const refused = await request(ada.accessToken);
    expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
    // The first export, 40 seconds ago, leaves the day's window in 86,360 seconds.
    expect(refused.headers["retry-after"]).toBe(String(day / 1000 - 40));
    expect(messageOf(refused)).toBe(
      "You have started 5 data exports in the last 24 hours, the most allowed. You can start another in 24 hours.",
    );
    expect((await status(ids[4] ?? "", ada.accessToken)).json().data.status).toBe("ready");
  });

  it("answers UNAUTHORIZED 401 without a token and REAUTH_REQUIRED 401 without a fresh proof", async () => {
    expectError(await app.inject({ method: "POST", url: "/api/v1/user/export" }), "UNAUTHORIZED", 401);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    // A refreshed token: the session is live, its last proof is not recent.
    const later = (await refresh(app, ada.refreshToken)).json().data.accessToken;
    expectError(await request(later), "REAUTH_REQUIRED", 401);
  });

  it("lists the caller's exports newest first (GET), no one else's; UNAUTHORIZED 401 without a token", async () => {
    const list = (token: string) =>
      app.inject({ method: "GET", url: "/api/v1/user/export", headers: bearer(token) });
    expect((await list(ada.accessToken)).json()).toEqual({ success: true, data: { exports: [] } });
    const id = await requested();
    const listed = await list(ada.accessToken);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data.exports).toEqual([(await status(id, ada.accessToken)).json().data]);
    const eve = await registerUser(app, otherRegistration);
    expect((await list(eve.accessToken)).json().data.exports).toEqual([]);
    expectError(await app.inject({ method: "GET", url: "/api/v1/user/export" }), "UNAUTHORIZED", 401);
  });

  it("answers EXPORT_NOT_FOUND 404 for another user's export and an unknown id", async () => {
    const id = await requested();
    const eve = await registerUser(app, otherRegistration);
    expectError(await status(id, eve.accessToken), "EXPORT_NOT_FOUND", 404);
    expectError(await download(id, eve.accessToken), "EXPORT_NOT_FOUND", 404);
    expectError(await status("nope", ada.accessToken), "EXPORT_NOT_FOUND", 404);
  });

  it("answers VALIDATION_ERROR 400 for an id longer than 64 characters, which no export has", async () => {
    const long = "x".repeat(65);
    expectError(await status(long, ada.accessToken), "VALIDATION_ERROR", 400);
    expectError(await download(long, ada.accessToken), "VALIDATION_ERROR", 400);
  });

  it("answers EXPORT_NOT_READY 409 before the archive is written, then streams it with its digest", async () => {
    const id = await requested();
    expectError(await download(id, ada.accessToken), "EXPORT_NOT_READY", 409);
    await createUseCases(deps).runNextDataExport({});
    const ready = (await status(id, ada.accessToken)).json().data;
    expect(ready).toMatchObject({ status: "ready", progress: 100 });
    const response = await download(id, ada.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/zip");
    expect(response.headers["x-content-sha256"]).toBe(ready.sha256);
    expect(response.headers["repr-digest"]).toBe(
      `sha-256=:${Buffer.from(ready.sha256, "hex").toString("base64")}:`,
    );
    expect(response.rawPayload.length).toBe(ready.sizeBytes);
    // The in-memory store's stand-in hash is not SHA-256: the real digest is the integration test's.
    expect(createHash("sha256").update(response.rawPayload).digest("hex")).toHaveLength(64);
  });

  it("answers EXPORT_NOT_READY 409 for a failed export and EXPORT_EXPIRED 410 past its lifetime", async () => {
    const id = await requested();
    deps.exportArchives.beforeEntry = async () => {
      throw new Error("disk full");
    };
    for (let i = 0; i < deps.settings.dataExport.maxAttempts; i++)
      await createUseCases(deps).runNextDataExport({});
    expect((await status(id, ada.accessToken)).json().data.status).toBe("failed");
    expectError(await download(id, ada.accessToken), "EXPORT_NOT_READY", 409);
    deps.exportArchives.beforeEntry = undefined;
    const fresh = await registerUser(app, otherRegistration);
    const other = (await request(fresh.accessToken)).json().data.exportId;
    await createUseCases(deps).runNextDataExport({});
    deps.clock.advance(7 * day);
    const login = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: otherRegistration.email, password: otherRegistration.password },
    });
    const token = login.json().data.accessToken;
    expect((await status(other, token)).json().data).toMatchObject({ status: "expired", sha256: null });
    expectError(await download(other, token), "EXPORT_EXPIRED", 410);
  });
});
