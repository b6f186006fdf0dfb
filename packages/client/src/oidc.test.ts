import { describe, expect, it } from "vitest";
import { SuperOAuthOIDCClient } from "./oidc.ts";

const issuer = "https://auth.example.test";

/** Answers the discovery document after 20 ms, unless the request is aborted first (as fetch does). */
const discoveryFetch: typeof fetch = (_input, init) =>
  new Promise<Response>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        resolve(
          Response.json({
            issuer,
            authorization_endpoint: `${issuer}/oidc/auth`,
            token_endpoint: `${issuer}/oidc/token`,
          }),
        ),
      20,
    );
    init?.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(init.signal?.reason);
    });
  });

describe("the OIDC helper's timeout", () => {
  it("a timeout past the timers' range is the longest a timer takes, not an abort at once", async () => {
    // About 35 days: AbortSignal.timeout fires such a delay after 1 ms.
    const oidc = await SuperOAuthOIDCClient.discover({
      issuer,
      clientId: "app",
      redirectURI: "https://app.example.test/callback",
      timeoutMs: 3_000_000_000,
      fetch: discoveryFetch,
    });
    expect(oidc.serverMetadata.token_endpoint).toBe(`${issuer}/oidc/token`);
  });
});
