import { randomBytes } from "node:crypto";
import type { ClientInfo } from "@superoauth/application";
import type { FastifyReply, FastifyRequest } from "fastify";
import { appendSetCookie, type CookieSettings, pageCookie, readCookie, serializeCookie } from "./cookies.ts";

// The device cookie of adapter-http's sign-in routes (packages/adapter-http/src/sign-in.ts), read
// and set the same way here, so a browser is one device to the lockout and the "new sign-in"
// notices whether it signs in through the API's pages or the hosted ones (ADR 0008, ADR 0016).
const deviceCookieName = "superoauth_device";
const deviceCookiePattern = /^[A-Za-z0-9_-]{43}$/;
const deviceCookieMaxAgeSeconds = 400 * 24 * 3600;

/** Reads a sign-in request's client with its device id (a new random one, set on the reply, if it has none). */
export type SignInClientOf = (request: FastifyRequest, reply: FastifyReply) => ClientInfo;

export function signInClients(settings: CookieSettings): SignInClientOf {
  const cookie = pageCookie(settings, deviceCookieName);
  return (request, reply) => {
    const presented = readCookie(request.headers.cookie, cookie);
    const deviceId =
      presented !== null && deviceCookiePattern.test(presented)
        ? presented
        : randomBytes(32).toString("base64url");
    if (deviceId !== presented) {
      appendSetCookie(reply.raw, serializeCookie(cookie, deviceId, deviceCookieMaxAgeSeconds));
    }
    return { ...clientOf(request), deviceId };
  };
}

/** Where a request came from (the address as the app's trust-proxy setting reads it). */
export function clientOf(request: FastifyRequest): ClientInfo {
  return { userAgent: request.headers["user-agent"], ip: request.ip };
}
