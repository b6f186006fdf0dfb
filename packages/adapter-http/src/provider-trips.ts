import type { OAuthAuthorizationStarted, OAuthStateCookie } from "@superoauth/application";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  clearFlowCookie,
  type FlowCookieSettings,
  flowCookie,
  readFlowCookie,
  setFlowCookie,
} from "./flow-cookies.ts";

/** The signed cookie that binds a trip to the provider to the browser that started it. */
export const oauthStateCookieName = "superoauth_oauth_state";

/** The signed cookie that holds where a hosted page wants the trip to come back to. */
export const oauthReturnCookieName = "superoauth_oauth_return";

/**
 * The only places a trip may come back to other than OAUTH_SUCCESS_REDIRECT: a hosted page of this
 * server (ADR 0022, ADR 0035): an interaction's social sign-in (`/interaction/<uid>/social`), the
 * account center's social sign-in, its linked-providers page and its fresh proof through a
 * provider. A path, never a URL, so a login code cannot be sent to another host (an open redirect
 * that would leak it).
 */
export const returnTargetPattern =
  /^\/(?:interaction\/[A-Za-z0-9_-]{1,128}\/social|account\/sign-in\/social|account\/providers\/linked|account\/confirm\/provider)$/;

/** The cookies of a trip to a provider, read by the API's callback at `<apiPrefix>/oauth/<provider>/callback`. */
export function providerTripCookies(settings: FlowCookieSettings, apiPrefix: string) {
  const callbackPath = (provider: string) => `${apiPrefix}/oauth/${provider}/callback`;
  /** Readable only by the callback: scoped to its path, or `__Host-` over https. */
  const stateCookie = (provider: string) =>
    flowCookie(settings, { name: oauthStateCookieName, path: callbackPath(provider) });
  const returnCookie = (provider: string) =>
    flowCookie(settings, { name: oauthReturnCookieName, path: callbackPath(provider) });
  return {
    /**
     * State and verifier go to the browser in a signed, HttpOnly cookie. A return target left by an
     * earlier trip that was abandoned goes: only `setReturn`, after this in the same answer, sets one
     * (a later Set-Cookie of the same cookie replaces this one), so a trip started without a return
     * target never lands on a hosted page another trip named.
     */
    setState(reply: FastifyReply, started: OAuthAuthorizationStarted): void {
      setFlowCookie(reply, stateCookie(started.provider), {
        value: `${started.state}.${started.codeVerifier ?? ""}`,
        maxAgeSeconds: started.expiresInSeconds,
      });
      // Unconditionally: scoped to the callback's path, the cookie never reaches this request.
      const stale = returnCookie(started.provider);
      reply.clearCookie(stale.name, { path: stale.path, secure: stale.secure });
    },
    /** Where the callback sends the browser instead of OAUTH_SUCCESS_REDIRECT (a `returnTargetPattern` path). */
    setReturn(reply: FastifyReply, started: OAuthAuthorizationStarted, returnTo: string): void {
      if (!returnTargetPattern.test(returnTo)) throw new Error(`not a hosted return target: ${returnTo}`);
      setFlowCookie(reply, returnCookie(started.provider), {
        value: returnTo,
        maxAgeSeconds: started.expiresInSeconds,
      });
    },
    /** The state cookie the browser brought back, or null. */
    readState(request: FastifyRequest, provider: string): OAuthStateCookie | null {
      const value = readFlowCookie(request, { cookie: stateCookie(provider), settings });
      if (value === null) return null;
      const dot = value.indexOf(".");
      if (dot <= 0) return null;
      const verifier = value.slice(dot + 1);
      return { state: value.slice(0, dot), codeVerifier: verifier === "" ? null : verifier };
    },
    /** The page to come back to (removing both cookies: a state works once whatever happens next). */
    takeReturn(request: FastifyRequest, reply: FastifyReply, provider: string): string | null {
      clearFlowCookie(request, reply, stateCookie(provider));
      const presented = readFlowCookie(request, { cookie: returnCookie(provider), settings });
      clearFlowCookie(request, reply, returnCookie(provider));
      return presented !== null && returnTargetPattern.test(presented) ? presented : null;
    },
  };
}

/** The API's prefix, under which the callback lives. */
const apiPrefix = "/api/v1";

/**
 * Trips to a provider started by a hosted page for a signed-in session (linking a provider, a fresh
 * proof through one): the page calls the use case, this keeps the trip's state in the cookies the
 * API's callback reads, and the callback sends the browser back to `returnTo` (with `?linked=`,
 * `?reauthenticated=` or `?error=<code>`). For adapter-web's `ProviderTrips`.
 */
export function createHostedProviderTrips(settings: FlowCookieSettings): {
  keep(reply: FastifyReply, input: { started: OAuthAuthorizationStarted; returnTo: string }): boolean;
} {
  const cookies = providerTripCookies(settings, apiPrefix);
  return {
    keep(reply, input) {
      if (!settings.cookiesCanBeSigned) return false;
      cookies.setState(reply, input.started);
      cookies.setReturn(reply, input.started, input.returnTo);
      return true;
    },
  };
}
