import type { FastifyReply, FastifyRequest } from "fastify";
import {
  appendSetCookie,
  type CookieSettings,
  pageCookie,
  readCookie,
  serializeCookie,
  serializeExpiredCookie,
} from "../cookies.ts";
import { safeNext } from "../pages/signed-in-area.ts";

/** How long a `next` waits for the provider's trip (the trip's own ten minutes). */
const tripSeconds = 10 * 60;

/**
 * The `next` of a trip to a provider started from the account center (social sign-in, a fresh
 * proof): the trip's return target is a fixed path (adapter-http's `returnTargetPattern`), so
 * `next` waits in a cookie of this browser, checked by `safeNext` again when it comes back.
 */
export function tripNext(cookies: CookieSettings, fallback: string) {
  const cookie = pageCookie(cookies, "superoauth_account_next");
  return {
    keep(reply: FastifyReply, next: string): void {
      appendSetCookie(reply.raw, serializeCookie(cookie, next, tripSeconds));
    },
    /** The kept `next` (`fallback` when none or not a local path), the cookie cleared. */
    take(request: FastifyRequest, reply: FastifyReply): string {
      const next = safeNext(readCookie(request.headers.cookie, cookie)) ?? fallback;
      appendSetCookie(reply.raw, serializeExpiredCookie(cookie));
      return next;
    },
  };
}
