import { parseCookie, stringifySetCookie } from "cookie";

/** How this deployment sets cookies: the same settings as the sign-in flow and device cookies (ADR 0013). */
export interface CookieSettings {
  /** Mark cookies Secure (everywhere but local development over plain HTTP). */
  readonly secureCookies: boolean;
  /** APP_URL is https: `__Host-` names, always Secure, Path=/. */
  readonly hostPrefixedCookies: boolean;
}

/** One of the hosted pages' cookies: HttpOnly, SameSite=Lax, Path=/ (the pages live under several paths). */
export interface PageCookie {
  readonly name: string;
  readonly secure: boolean;
}

/**
 * Names a page cookie. Over https the `__Host-` prefix makes a browser keep it only if this very
 * host set it Secure, without Domain and for Path=/ (RFC 6265bis section 4.1.3.2), so a sibling
 * subdomain cannot plant one (cookie tossing), as for the sign-in cookies of adapter-http.
 */
export function pageCookie(settings: CookieSettings, name: string): PageCookie {
  return settings.hostPrefixedCookies
    ? { name: `__Host-${name}`, secure: true }
    : { name, secure: settings.secureCookies };
}

/** The Set-Cookie value that stores `value` (maxAge null: until the browser closes). */
export function serializeCookie(cookie: PageCookie, value: string, maxAgeSeconds: number | null): string {
  return stringifySetCookie({
    name: cookie.name,
    value,
    httpOnly: true,
    sameSite: "lax",
    secure: cookie.secure,
    path: "/",
    ...(maxAgeSeconds === null ? {} : { maxAge: maxAgeSeconds }),
  });
}

/** The Set-Cookie value that removes the cookie (Secure too: a browser refuses even an expiring `__Host-` cookie without it). */
export function serializeExpiredCookie(cookie: PageCookie): string {
  return stringifySetCookie({
    name: cookie.name,
    value: "",
    httpOnly: true,
    sameSite: "lax",
    secure: cookie.secure,
    path: "/",
    maxAge: 0,
    expires: new Date(0),
  });
}

/** The cookie's value in a raw request's Cookie header, if any. */
export function readCookie(cookieHeader: string | undefined, cookie: PageCookie): string | null {
  if (cookieHeader === undefined) return null;
  return parseCookie(cookieHeader)[cookie.name] ?? null;
}

/** Adds a Set-Cookie header to a raw response, keeping the ones already set. */
export function appendSetCookie(
  res: { getHeader(name: string): unknown; setHeader(name: string, value: string[]): unknown },
  value: string,
): void {
  const existing = res.getHeader("set-cookie");
  const list =
    existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  res.setHeader("set-cookie", [...list, value]);
}
