import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { appendSetCookie, type CookieSettings, pageCookie, readCookie, serializeCookie } from "./cookies.ts";

/** The form field every hosted form carries. */
export const csrfFieldName = "csrf_token";

const cookieValuePattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * CSRF protection by signed double submit (OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit
 * Cookie"): a random value in an HttpOnly, SameSite=Lax cookie, and in every form an HMAC of it
 * under a server key. A POST passes only when its form field is the HMAC of the cookie it brings:
 * another site can neither read the cookie nor compute the HMAC, and over https the `__Host-` name
 * keeps a sibling subdomain from planting a cookie of its choosing.
 */
export interface CSRFProtection {
  /** The token for this browser's forms; sets the cookie on `res` when the browser has none yet. */
  tokenFor(req: IncomingMessage, res: ServerResponse): string;
  /** Whether a POST's form token matches its cookie (constant-time). */
  verify(req: IncomingMessage, presented: unknown): boolean;
  /** Whether the browser sent the cookie at all: a browser that refuses cookies never does. */
  sentCookie(req: IncomingMessage): boolean;
}

export function createCSRFProtection(input: { secret: string; cookies: CookieSettings }): CSRFProtection {
  const cookie = pageCookie(input.cookies, "superoauth_csrf");
  const key = createHmac("sha256", input.secret).update("superoauth hosted pages CSRF key").digest();
  const sign = (value: string) => createHmac("sha256", key).update(value).digest("base64url");
  const presentValue = (req: IncomingMessage): string | null => {
    const value = readCookie(req.headers.cookie, cookie);
    return value !== null && cookieValuePattern.test(value) ? value : null;
  };
  // A token made earlier in this same response (two renders, or the cookie set but not yet sent).
  const issued = new WeakMap<IncomingMessage, string>();
  return {
    tokenFor(req, res) {
      let value = issued.get(req) ?? presentValue(req);
      if (value === null) {
        value = randomBytes(32).toString("base64url");
        // A browser-lifetime cookie: it guards forms, it is not a sign-in.
        appendSetCookie(res, serializeCookie(cookie, value, null));
      }
      issued.set(req, value);
      return sign(value);
    },
    verify(req, presented) {
      const value = presentValue(req);
      if (value === null || typeof presented !== "string") return false;
      const expected = Buffer.from(sign(value));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    sentCookie: (req) => presentValue(req) !== null,
  };
}
