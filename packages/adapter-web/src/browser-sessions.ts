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
  /** The signed-in user and session of this browser, or null. */
  authenticate(req: IncomingMessage): Promise<Authenticated | null>;
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
  const authenticate = async (req: IncomingMessage): Promise<Authenticated | null> => {
    const token = tokenOf(req);
    if (token === null) return null;
    const result = await options.useCases.authenticateBrowserSession({ token });
    return result.ok ? result.value : null;
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
    appendSetCookie(res, serializeExpiredCookie(cookie));
  };
  return {
    authenticate,
    async current(req) {
      const found = await authenticate(req);
      return found === null ? null : { accountId: found.user.id };
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
