import type { IncomingMessage, ServerResponse } from "node:http";
import type { Authenticated, ClientInfo, SignedIn, UseCases } from "@superoauth/application";
import type { BrowserSessions } from "./contracts.ts";
import {
  appendSetCookie,
  type CookieSettings,
  pageCookie,
  readCookie,
  serializeCookie,
  serializeExpiredCookie,
} from "./cookies.ts";

/** The hosted pages' browser session, with what the pages themselves need besides the provider's interface. */
export interface HostedBrowserSessions extends BrowserSessions {
  /**
   * The signed-in user and session of this browser, or null. Given `res`, a cookie that signs in
   * no more (its session ended elsewhere, expired, or its account was disabled) is cleared: the
   * browser stops sending a dead token, and Chromium drops the signed-in pages it kept for Back
   * (its back/forward cache keeps pages sent with no-store, until one of the site's cookies changes).
   */
  authenticate(req: IncomingMessage, res?: ServerResponse): Promise<Authenticated | null>;
  /** Keeps a completed sign-in as this browser's session (its refresh token in the cookie). */
  start(res: ServerResponse, signedIn: SignedIn): void;
  /** Ends the session (if any) and clears the cookie, recording the client that asked. */
  endWith(req: IncomingMessage, res: ServerResponse, client: ClientInfo): Promise<void>;
}

export interface BrowserSessionOptions {
  readonly useCases: Pick<UseCases, "authenticateBrowserSession" | "logOut">;
  readonly cookies: CookieSettings;
  /** How long the cookie lives: the refresh token's lifetime (the session's tokens expire with it). */
  readonly maxAgeSeconds: number;
}

/** The name of the browser session cookie (`__Host-` prefixed over https). */
export const browserSessionCookieName = "superoauth_session";

/**
 * The browser session: the refresh token of a session started by the same sign-in use cases as the
 * API (logInWithPassword, verifyTwoFactorLogin, registerWithPassword, the social exchange), kept in
 * an HttpOnly, SameSite=Lax cookie and checked with authenticateBrowserSession, which never rotates
 * it. Ending the session anywhere (sign-out, "log out everywhere", the sessions list, disabling the
 * account) ends it here too, at the next request.
 */
export function createBrowserSessions(options: BrowserSessionOptions): HostedBrowserSessions {
  const cookie = pageCookie(options.cookies, browserSessionCookieName);
  const tokenOf = (req: IncomingMessage) => readCookie(req.headers.cookie, cookie);
  // The cookie cleared, and the pages Chromium keeps for Back with it. Its back/forward cache keeps
  // pages sent with no-store (since 2025) and drops them when one of the site's cookies changes,
  // but a cookie cleared by the answer to a navigation dropped only the page that navigation left,
  // not the ones further back (Chromium 156, back-button.browser.test.ts): Back then showed the
  // signed-in pages as they were. `Clear-Site-Data: "cache"` empties that cache for this origin,
  // with the HTTP cache, which holds nothing of these pages (no-store) but the hashed assets.
  const forget = (res: ServerResponse) => {
    appendSetCookie(res, serializeExpiredCookie(cookie));
    res.setHeader("clear-site-data", '"cache"');
  };
  const authenticate = async (req: IncomingMessage, res?: ServerResponse): Promise<Authenticated | null> => {
    const token = tokenOf(req);
    if (token === null) return null;
    const result = await options.useCases.authenticateBrowserSession({ token });
    if (result.ok) return result.value;
    if (res !== undefined) forget(res);
    return null;
  };
  const endWith = async (req: IncomingMessage, res: ServerResponse, client: ClientInfo) => {
    const token = tokenOf(req);
    if (token === null) return;
    const found = await authenticate(req);
    if (found !== null) {
      await options.useCases.logOut({
        userId: found.user.id,
        sessionId: found.session.id,
        refreshToken: token,
        client,
      });
    }
    forget(res);
  };
  return {
    authenticate,
    async current(req) {
      const found = await authenticate(req);
      return found === null ? null : { accountId: found.user.id, sessionId: found.session.id };
    },
    start(res, signedIn) {
      appendSetCookie(res, serializeCookie(cookie, signedIn.refreshToken, options.maxAgeSeconds));
    },
    endWith,
    end: (req, res) =>
      endWith(req, res, {
        userAgent: req.headers["user-agent"],
        ip: req.socket.remoteAddress,
      }),
  };
}
