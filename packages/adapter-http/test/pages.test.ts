import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp } from "./test-app.ts";

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

describe("the landing page of social sign-in", () => {
  it.each([["/oauth/complete", "oauth-complete"]])(
    "%s is an HTML page under a strict same-origin CSP",
    async (path, id) => {
      ({ app } = await buildTestApp());
      const response = await app.inject({ url: path });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
      expect(response.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["cross-origin-opener-policy"]).toBe("same-origin");
      expect(response.body).toContain(`data-page="${id}"`);
      expect(response.body).toContain('<script src="/assets/account.js"></script>');
      // No inline script: the CSP would block it, and nothing else may run.
      expect(response.body).not.toMatch(/<script>(?!<\/script>)/);
    },
  );

  it("the pages account mails link to are not served here (adapter-web serves them)", async () => {
    ({ app } = await buildTestApp());
    for (const path of ["/verify-email", "/reset-password", "/confirm-email"]) {
      expect((await app.inject({ url: path })).statusCode).toBe(404);
    }
  });

  it("serves the script that trades the login code, and its stylesheet", async () => {
    ({ app } = await buildTestApp());
    const script = await app.inject({ url: "/assets/account.js" });
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.body).toContain("history.replaceState");
    // The landing page trades login codes through its own exchange, which adds its verifier (ADR 0013).
    expect(script.body).toContain('post("/oauth/complete"');
    // Its starts are in the page's HTML (one implementation, which works without the script too).
    expect(script.body).not.toContain("/oauth/start/");
    expect(script.body).toContain("/api/v1/auth/2fa/verify");
    const css = await app.inject({ url: "/assets/account.css" });
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
  });
});
