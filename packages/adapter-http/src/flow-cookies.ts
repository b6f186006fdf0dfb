import type { FastifyReply, FastifyRequest } from "fastify";
import { sendError } from "./replies.ts";

/** How this deployment sets the short-lived cookies of a sign-in (OAuth state, the landing page's verifier). */
export interface FlowCookieSettings {
  /** Mark the cookies Secure (everywhere but local development over plain HTTP). */
  readonly secureCookies: boolean;
  /** APP_URL is https: `__Host-` names, always Secure, Path=/ (ADR 0013). */
  readonly hostPrefixedCookies: boolean;
  /** Whether @fastify/cookie has a secret to sign with; without one no sign-in can start. */
  readonly cookiesCanBeSigned: boolean;
}

/** Where one sign-in cookie lives: its name and path as this deployment sets them. */
export interface FlowCookie {
  readonly name: string;
  readonly path: string;
  readonly secure: boolean;
}

/**
 * Names and scopes a sign-in cookie. Over https the `__Host-` prefix makes a
 * browser keep the cookie only if this very host set it Secure, without Domain
 * and for Path=/ (RFC 6265bis section 4.1.3.2), so a sibling subdomain cannot
 * plant its own (cookie tossing). The prefix demands Path=/; over plain http,
 * where no prefix is honoured, the cookie stays scoped to the one path that reads it.
 */
export function flowCookie(settings: FlowCookieSettings, input: { name: string; path: string }): FlowCookie {
  return settings.hostPrefixedCookies
    ? { name: `__Host-${input.name}`, path: "/", secure: true }
    : { name: input.name, path: input.path, secure: settings.secureCookies };
}

/** Sets a signed, HttpOnly, SameSite=Lax cookie (Lax, so it rides on the provider's top-level redirect). */
export function setFlowCookie(
  reply: FastifyReply,
  cookie: FlowCookie,
  input: { value: string; maxAgeSeconds: number },
): void {
  reply.setCookie(cookie.name, input.value, {
    signed: true,
    httpOnly: true,
    sameSite: "lax",
    secure: cookie.secure,
    path: cookie.path,
    maxAge: input.maxAgeSeconds,
  });
}

/** The cookie's value if the request carries it with a valid signature; null otherwise. */
export function readFlowCookie(
  request: FastifyRequest,
  input: { cookie: FlowCookie; settings: FlowCookieSettings },
): string | null {
  const raw = request.cookies[input.cookie.name];
  if (raw === undefined || !input.settings.cookiesCanBeSigned) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid ? unsigned.value : null;
}

/** Removes the cookie if the request brought it: each works for one sign-in. */
export function clearFlowCookie(request: FastifyRequest, reply: FastifyReply, cookie: FlowCookie): void {
  // Secure too: a browser refuses even an expiring `__Host-` cookie without it.
  if (request.cookies[cookie.name] !== undefined) {
    reply.clearCookie(cookie.name, { path: cookie.path, secure: cookie.secure });
  }
}

/** The answer when no sign-in can start because cookies cannot be signed. */
export function sendCookieSecretMissing(reply: FastifyReply): FastifyReply {
  return sendError(reply, "OAUTH_INIT_FAILED", "COOKIE_SECRET is not configured, so OAuth cannot start");
}
