import { request as httpRequest } from "node:http";
import type { UserId } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  logIn,
  registerUser,
  type SignedInData,
  type TestDependencies,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
let signedIn: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  signedIn = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

function getMeWithHeaders(headers: Record<string, string>) {
  return app.inject({ method: "GET", url: "/api/v1/auth/me", headers });
}

describe("GET /api/v1/auth/me", () => {
  it("answers 200 with the signed-in user", async () => {
    const response = await getMe(app, signedIn.accessToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: { user: { ...signedIn.user, twoFactorEnabled: false, backupCodesRemaining: 0 } },
    });
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("accepts the scheme name in any case", async () => {
    const response = await getMeWithHeaders({ authorization: `bearer ${signedIn.accessToken}` });

    expect(response.statusCode).toBe(200);
  });

  it("answers UNAUTHORIZED 401 without an Authorization header, challenging for a Bearer token (RFC 6750 section 3)", async () => {
    const response = await getMeWithHeaders({});
    expectError(response, "UNAUTHORIZED", 401);
    expect(response.headers["www-authenticate"]).toBe("Bearer");
  });

  describe("answers UNAUTHORIZED 401 for an Authorization header without a Bearer token", () => {
    it.each([
      ["empty", ""],
      ["only the scheme", "Bearer"],
      ["the scheme and a space", "Bearer "],
      ["another scheme", "Basic xxx"],
      ["a token without a scheme", "just-a-token"],
    ])("%s", async (_case, authorization) => {
      expectError(await getMeWithHeaders({ authorization }), "UNAUTHORIZED", 401);
    });
  });

  it("answers UNAUTHORIZED 401 for two Authorization header lines, whichever comes first", async () => {
    // Node keeps the first line and drops the other; a proxy in front may have read the other.
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("not listening on a port");
    const valid = `Bearer ${signedIn.accessToken}`;
    const pairs: [string, string][] = [
      [valid, "Bearer someone-elses-token"],
      ["Bearer someone-elses-token", valid],
      [valid, valid],
    ];
    for (const [first, second] of pairs) {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const sent = httpRequest(
          {
            host: "127.0.0.1",
            port: address.port,
            path: "/api/v1/auth/me",
            // A raw list keeps both lines (an object would merge them); it sets no Host by itself.
            headers: ["Host", "127.0.0.1", "Authorization", first, "Authorization", second],
          },
          (response) => {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
              body += chunk;
            });
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        sent.on("error", reject);
        sent.end();
      });
      expect(answer.status, answer.body).toBe(401);
      expect(JSON.parse(answer.body).error).toBe("UNAUTHORIZED");
    }
    expect((await getMe(app, signedIn.accessToken)).statusCode).toBe(200);
  });

  it("answers UNAUTHORIZED 401 when the Bearer token is given with a different scheme", async () => {
    const response = await getMeWithHeaders({ authorization: `Basic ${signedIn.accessToken}` });

    expectError(response, "UNAUTHORIZED", 401);
  });

  it("answers INVALID_TOKEN 401 for a garbage token, with RFC 6750's invalid_token challenge", async () => {
    const response = await getMe(app, "garbage.not.a-token");
    expectError(response, "INVALID_TOKEN", 401);
    expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("answers INVALID_TOKEN 401 for a refresh token used as an access token", async () => {
    expectError(await getMe(app, signedIn.refreshToken), "INVALID_TOKEN", 401);
  });

  it("answers TOKEN_EXPIRED 401 once the access token's five minutes are over", async () => {
    deps.clock.advance(5 * 60_000 - 1);
    expect((await getMe(app, signedIn.accessToken)).statusCode).toBe(200);

    deps.clock.advance(1);

    const expired = await getMe(app, signedIn.accessToken);
    expectError(expired, "TOKEN_EXPIRED", 401);
    expect(expired.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("answers ACCOUNT_DISABLED 403 when the account was disabled after sign-in", async () => {
    deps.users.setStatus(signedIn.user.id as UserId, "disabled");

    const disabled = await getMe(app, signedIn.accessToken);
    expectError(disabled, "ACCOUNT_DISABLED", 403);
    // Not a token problem: no challenge.
    expect(disabled.headers["www-authenticate"]).toBeUndefined();
  });

  it("answers USER_NOT_FOUND 404 when the account was deleted after sign-in", async () => {
    deps.users.deleteUser(signedIn.user.id as UserId);

    expectError(await getMe(app, signedIn.accessToken), "USER_NOT_FOUND", 404);
  });

  it("answers INVALID_TOKEN 401 at once after the session logged out", async () => {
    const logout = await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout",
      headers: bearer(signedIn.accessToken),
    });
    expect(logout.statusCode).toBe(200);

    expectError(await getMe(app, signedIn.accessToken), "INVALID_TOKEN", 401);
  });

  it("keeps other sessions of the user working after one logs out", async () => {
    const other = await logIn(app);

    await app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: bearer(signedIn.accessToken) });

    expect((await getMe(app, other.accessToken)).statusCode).toBe(200);
  });
});
