import { randomBytes } from "node:crypto";
import type { AccountLocked, ClientInfo, SignedIn, SignInOutcome } from "@superoauth/application";
import type { ErrorCode } from "@superoauth/domain";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { clientOf } from "./client-info.ts";
import { type FlowCookie, type FlowCookieSettings, flowCookie } from "./flow-cookies.ts";
import { sendFailure } from "./replies.ts";
import { presentUser, signedIn } from "./schemas.ts";

/** The second-factor step of a sign-in: the client sends a code with this token to POST /auth/2fa/verify. */
export const mfaRequired = Type.Object({
  mfaRequired: Type.Literal(true),
  mfaToken: Type.String(),
  expiresIn: Type.Integer(),
});

/** What a first sign-in step answers: a session, or the second-factor step. */
export const signInOutcome = Type.Union([signedIn, mfaRequired]);

/** The response data of a sign-in outcome. */
export function presentSignInOutcome(outcome: SignInOutcome) {
  if ("mfaRequired" in outcome) {
    return { mfaRequired: true as const, mfaToken: outcome.mfaToken, expiresIn: outcome.expiresIn };
  }
  return presentSignedIn(outcome);
}

/** The response data of a completed sign-in. */
export function presentSignedIn(signedIn: SignedIn) {
  const { user, accessToken, refreshToken, expiresIn, tokenType } = signedIn;
  return { user: presentUser(user), accessToken, refreshToken, expiresIn, tokenType };
}

/** Sends a sign-in failure; a lock comes with Retry-After, in seconds (sendFailure). */
export function sendSignInFailure(
  reply: FastifyReply,
  failure: { error: ErrorCode; message?: string } | AccountLocked,
): FastifyReply {
  return sendFailure(reply, failure);
}

/** The long-lived cookie that recognises a device the account signed in from (ADR 0008). */
export const deviceCookieName = "superoauth_device";
const deviceCookiePattern = /^[A-Za-z0-9_-]{43}$/;
// Browsers cap cookie lifetimes at 400 days (RFC 6265bis); a device unseen for that long is new again.
const deviceCookieMaxAgeSeconds = 400 * 24 * 3600;

/**
 * Where the device cookie lives: Path=/, because sign-ins complete under `/api/v1/auth`,
 * `/api/v1/oauth` (the provider's callback, the login-code exchange) and the landing page's
 * `/oauth/complete`, and each must judge the same device. Over https it is `__Host-` prefixed like
 * the sign-in flow cookies, so a sibling subdomain cannot plant an id of its choosing: a planted id
 * that the owner's next sign-in made known would let its planter pass the owner's lockout and
 * sign in without a "new sign-in" notice.
 */
export function deviceCookie(settings: FlowCookieSettings): FlowCookie {
  return flowCookie(settings, { name: deviceCookieName, path: "/" });
}

/** Reads a sign-in request's client, device id included; see {@link signInClients}. */
export type SignInClientOf = (request: FastifyRequest, reply: FastifyReply) => ClientInfo;

/**
 * The one way every sign-in route (and every route whose wrong answers count toward lockout) reads
 * its client: with its device id, the one in its cookie, or a new 256-bit random one, set in the
 * reply so the sign-in it completes makes this device known and the next one carries it.
 * Unsigned on purpose: the server trusts an id only once a sign-in with it succeeded, and stores
 * only its digest, so forging one buys nothing.
 */
export function signInClients(settings: FlowCookieSettings): SignInClientOf {
  const cookie = deviceCookie(settings);
  return (request, reply) => {
    const presented = request.cookies[cookie.name];
    const deviceId =
      presented !== undefined && deviceCookiePattern.test(presented)
        ? presented
        : randomBytes(32).toString("base64url");
    if (deviceId !== presented) {
      reply.setCookie(cookie.name, deviceId, {
        httpOnly: true,
        secure: cookie.secure,
        sameSite: "lax",
        path: cookie.path,
        maxAge: deviceCookieMaxAgeSeconds,
      });
    }
    return { ...clientOf(request), deviceId };
  };
}
