import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  logIn,
  otherRegistration,
  registerUser,
  type SignedInData,
  type TestDependencies,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
let first: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  first = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

function listSessions(accessToken: string) {
  return app.inject({ method: "GET", url: "/api/v1/auth/sessions", headers: bearer(accessToken) });
}

function deleteSession(id: string, accessToken: string) {
  return app.inject({ method: "DELETE", url: `/api/v1/auth/sessions/${id}`, headers: bearer(accessToken) });
}

function securityEvents(accessToken: string, query = "") {
  return app.inject({
    method: "GET",
    url: `/api/v1/user/security-events${query}`,
    headers: bearer(accessToken),
  });
}

async function secondSession(): Promise<SignedInData> {
  deps.clock.advance(1000);
  return app
    .inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "ada@example.com", password: "Sup3r-secret!" },
      headers: { "user-agent": "Firefox/140" },
      remoteAddress: "10.1.2.3",
    })
    .then((r) => r.json().data);
}

describe("GET /api/v1/auth/sessions", () => {
  it("lists the live sessions with device, IP, times and which one is current", async () => {
    const second = await secondSession();

    const response = await listSessions(second.accessToken);

    expect(response.statusCode).toBe(200);
    const { sessions } = response.json().data;
    expect(sessions).toStrictEqual([
      {
        id: expect.any(String),
        userAgent: "Firefox/140",
        ip: "10.1.2.3",
        createdAt: "2026-01-01T00:00:01.000Z",
        lastUsedAt: "2026-01-01T00:00:01.000Z",
        current: true,
      },
      {
        id: expect.any(String),
        userAgent: "lightMyRequest",
        ip: "127.0.0.1",
        createdAt: "2026-01-01T00:00:00.000Z",
        lastUsedAt: "2026-01-01T00:00:00.000Z",
        current: false,
      },
    ]);
  });

  it("answers UNAUTHORIZED 401 without a token", async () => {
    expectError(await app.inject({ method: "GET", url: "/api/v1/auth/sessions" }), "UNAUTHORIZED", 401);
  });
});

describe("DELETE /api/v1/auth/sessions/:id", () => {
  it("ends the named session, whose tokens then stop working, and leaves the caller's alive", async () => {
    const second = await secondSession();
    const [, firstSession] = (await listSessions(second.accessToken)).json().data.sessions;

    const response = await deleteSession(firstSession.id, second.accessToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { revoked: true } });
    expectError(await getMe(app, first.accessToken), "INVALID_TOKEN", 401);
    expect((await getMe(app, second.accessToken)).statusCode).toBe(200);
    expect((await listSessions(second.accessToken)).json().data.sessions).toHaveLength(1);
  });

  it("answers SESSION_NOT_FOUND 404 for another user's session and leaves it alive", async () => {
    const grace = await registerUser(app, otherRegistration);
    const [graceSession] = (await listSessions(grace.accessToken)).json().data.sessions;

    expectError(await deleteSession(graceSession.id, first.accessToken), "SESSION_NOT_FOUND", 404);
    expect((await getMe(app, grace.accessToken)).statusCode).toBe(200);
  });

  it.each(["00000000-0000-7000-8000-00000000ffff", "not-a-session-id"])(
    "answers SESSION_NOT_FOUND 404 for the unknown id %s",
    async (id) => {
      expectError(await deleteSession(id, first.accessToken), "SESSION_NOT_FOUND", 404);
    },
  );

  it("answers SESSION_NOT_FOUND 404 for a session already ended", async () => {
    const second = await secondSession();
    const [, firstSession] = (await listSessions(second.accessToken)).json().data.sessions;
    await deleteSession(firstSession.id, second.accessToken);

    expectError(await deleteSession(firstSession.id, second.accessToken), "SESSION_NOT_FOUND", 404);
  });

  it("answers UNAUTHORIZED 401 without a token", async () => {
    expectError(
      await app.inject({
        method: "DELETE",
        url: "/api/v1/auth/sessions/00000000-0000-7000-8000-00000000ffff",
      }),
      "UNAUTHORIZED",
      401,
    );
  });
});

describe("GET /api/v1/user/security-events", () => {
  it("shows the user's events newest first, with nothing secret in them", async () => {
    const second = await secondSession();
    const [, firstSession] = (await listSessions(second.accessToken)).json().data.sessions;
    await deleteSession(firstSession.id, second.accessToken);

    const response = await securityEvents(second.accessToken);

    expect(response.statusCode).toBe(200);
    const { events, nextBefore } = response.json().data;
    // The second session signed in from a network the account never used: a new device (ADR 0016).
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      "session_revoked",
      "new_device_sign_in",
      "login_succeeded",
    ]);
    expect(events[0]).toStrictEqual({
      id: expect.any(String),
      type: "session_revoked",
      occurredAt: "2026-01-01T00:00:01.000Z",
      ip: "127.0.0.1",
      userAgent: "lightMyRequest",
      details: { sessionId: firstSession.id, reason: "revoked_by_user" },
      description: "A session was signed out",
    });
    expect(nextBefore).toBeNull();
    expect(response.body).not.toContain(second.refreshToken.split(".")[1]);
  });

  it("pages with limit and before until nextBefore is null", async () => {
    for (let i = 0; i < 4; i++) await logIn(app);

    const page1 = (await securityEvents(first.accessToken, "?limit=3")).json().data;
    const page2 = (await securityEvents(first.accessToken, `?limit=3&before=${page1.nextBefore}`)).json()
      .data;

    expect(page1.events).toHaveLength(3);
    expect(page1.nextBefore).toBe(page1.events[2].id);
    expect(page2.events).toHaveLength(1);
    expect(page2.nextBefore).toBeNull();
    expect(page2.events[0].id < page1.events[2].id).toBe(true);
  });

  it("does not show another user's events", async () => {
    await registerUser(app, otherRegistration);
    await logIn(app, { email: otherRegistration.email, password: otherRegistration.password });

    const { events } = (await securityEvents(first.accessToken)).json().data;
    expect(events).toEqual([]);
  });

  it.each(["?limit=0", "?limit=101", "?limit=abc", "?limit=-1", "?limit=1000", "?limit=2.5", "?limit="])(
    "answers VALIDATION_ERROR 400 to %s, saying what a limit is",
    async (query) => {
      const response = await securityEvents(first.accessToken, query);
      expectError(response, "VALIDATION_ERROR", 400);
      expect(response.json().message).toBe("limit must be an integer from 1 to 100");
    },
  );

  it.each([
    "?before=not-an-id",
    `?before=${"01A23D99-8456-7FC3-AFAE-D41E39D8DB5E"}`,
    "?before=01a23d99-8456",
  ])(
    "answers VALIDATION_ERROR 400 to a cursor no page answered (%s), rather than some page",
    async (query) => {
      const response = await securityEvents(first.accessToken, query);
      expectError(response, "VALIDATION_ERROR", 400);
      expect(response.json().message).toBe("before must be the nextBefore of an earlier page");
    },
  );

  it("answers VALIDATION_ERROR 400 to a repeated limit, saying to give it once", async () => {
    const response = await securityEvents(first.accessToken, "?limit=10&limit=20");
    expectError(response, "VALIDATION_ERROR", 400);
    expect(response.json().message).toBe("limit must be given once");
  });

  it("answers UNAUTHORIZED 401 without a token", async () => {
    expectError(
      await app.inject({ method: "GET", url: "/api/v1/user/security-events" }),
      "UNAUTHORIZED",
      401,
    );
  });
});
