import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";

// An app's back-channel logout endpoint, standing in on 127.0.0.1 (OpenID Connect Back-Channel
// Logout 1.0 §2.5): it takes the POSTed form's logout_token, answers as told, and a test verifies
// the token as an app would, against the provider's published keys (§2.6).

export interface ReceivedLogoutToken {
  /** The path it was POSTed to: one per app in a test. */
  readonly path: string;
  readonly token: string;
  readonly contentType: string | undefined;
}

export interface LogoutEndpoint {
  /** The URI to register for `path` (`/app-a`). */
  uri(path: string): string;
  readonly received: ReceivedLogoutToken[];
  /** How `path` answers from now on: its status (200 unless told) after `delayMs`. */
  answer(path: string, how: { status?: number; delayMs?: number }): void;
  /** The tokens received at `path` once there are `count` of them (throws after `timeoutMs`). */
  waitFor(path: string, count?: number, timeoutMs?: number): Promise<ReceivedLogoutToken[]>;
  close(): Promise<void>;
}

export async function startLogoutEndpoint(): Promise<LogoutEndpoint> {
  const received: ReceivedLogoutToken[] = [];
  const answers = new Map<string, { status?: number; delayMs?: number }>();
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const form = new URLSearchParams(await bodyOf(req));
    received.push({ path, token: form.get("logout_token") ?? "", contentType: req.headers["content-type"] });
    const how = answers.get(path) ?? {};
    if (how.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, how.delayMs));
    res.writeHead(how.status ?? 200, { "cache-control": "no-store" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const at = (path: string) => received.filter((token) => token.path === path);
  return {
    uri: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    answer: (path, how) => void answers.set(path, how),
    async waitFor(path, count = 1, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (at(path).length < count) {
        if (Date.now() > deadline)
          throw new Error(`${at(path).length} logout token(s) at ${path}, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return at(path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A logout token verified as Back-Channel Logout 1.0 §2.6 asks of an app: its signature against
 * the issuer's JWKS, `typ` `logout+jwt`, `iss`, `aud` (the app), `iat`, `exp`, `jti`, the
 * back-channel logout event, `sub`, `sid`, and no `nonce`. Throws when any does not hold.
 */
export async function verifyLogoutToken(
  token: string,
  expected: { issuer: string; clientId: string },
): Promise<JWTPayload & { sub: string; sid: string }> {
  const jwks = createRemoteJWKSet(new URL(`${expected.issuer}/oidc/jwks`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: expected.issuer,
    audience: expected.clientId,
    typ: "logout+jwt",
    requiredClaims: ["iat", "exp", "jti", "sub", "sid", "events"],
  });
  if (decodeProtectedHeader(token).typ !== "logout+jwt") throw new Error("not a logout+jwt");
  const events = payload.events as Record<string, unknown> | undefined;
  if (typeof events?.[backchannelLogoutEvent] !== "object")
    throw new Error("the token has no back-channel logout event");
  if ("nonce" in payload) throw new Error("a logout token must not carry a nonce");
  return payload as JWTPayload & { sub: string; sid: string };
}

export const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";
