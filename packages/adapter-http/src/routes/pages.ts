import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  type OAuthFailureReason,
  parseOAuthFailureReason,
  providerUnavailableWords,
  type UseCases,
} from "@superoauth/application";
import {
  type ErrorCode,
  isErrorCode,
  type OAuthProviderId,
  oauthProviderNames,
  parseOAuthProvider,
} from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import { defaultErrorMessage } from "../error-status.ts";
import {
  clearFlowCookie,
  type FlowCookieSettings,
  flowCookie,
  readFlowCookie,
  sendCookieSecretMissing,
  setFlowCookie,
} from "../flow-cookies.ts";
import {
  accountScript,
  accountStyles,
  type LandingOutcome,
  pageSecurityHeaders,
  renderOAuthCompletePage,
} from "../pages/account-pages.ts";
import { sendError, sendFailure } from "../replies.ts";
import { boundedString, successEnvelope } from "../schemas.ts";
import { presentSignInOutcome, signInClients, signInOutcome } from "../sign-in.ts";

/** The signed cookie that holds the built-in landing page's PKCE verifier during a sign-in. */
export const loginVerifierCookieName = "superoauth_login_verifier";

/**
 * Where social sign-in lands by default (`APP_URL/oauth/complete?code=...`), with that landing
 * page's own start and exchange. (The pages account mails link to are adapter-web's.)
 */
export async function pageRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases; settings: FlowCookieSettings; brandName: string },
): Promise<void> {
  const { useCases, settings } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const signInClientOf = signInClients(settings);
  const serve = (path: string, type: string, body: string) =>
    app.get(path, async (_request, reply) => reply.headers(pageSecurityHeaders).type(type).send(body));
  // The callback sends a browser here with `?error=<CODE>` when the trip failed (the page says why,
  // and links a new start per configured provider), or `?linked=` / `?reauthenticated=<provider>`
  // (its heading and words say which).
  app.get("/oauth/complete", async (request, reply) => {
    const outcome = landingOutcome(request.query as Record<string, unknown> | undefined);
    const providers = await useCases.listOAuthProviders({});
    return reply
      .headers(pageSecurityHeaders)
      .type("text/html; charset=utf-8")
      .send(renderOAuthCompletePage(options.brandName, outcome ?? undefined, providers));
  });
  serve("/assets/account.js", "text/javascript; charset=utf-8", accountScript);
  serve("/assets/account.css", "text/css; charset=utf-8", accountStyles);

  // The landing page is a front end like any other and binds its login codes with PKCE (ADR 0013),
  // but it runs no inline script and keeps no secret in page storage: the server makes its verifier
  // and keeps it in a signed, HttpOnly cookie that only the page's own exchange reads.
  const verifierCookie = flowCookie(settings, { name: loginVerifierCookieName, path: "/oauth/complete" });

  api.get(
    "/oauth/start/:provider",
    {
      schema: {
        params: Type.Object({ provider: boundedString(64) }),
        // Success is a 302 to GET /api/v1/oauth/:provider.
        response: errorsOf(...inputErrors, "UNSUPPORTED_PROVIDER", "OAUTH_INIT_FAILED"),
      },
    },
    async (request, reply) => {
      const provider = parseOAuthProvider(request.params.provider);
      if (provider === null) return sendError(reply, "UNSUPPORTED_PROVIDER");
      if (!settings.cookiesCanBeSigned) return sendCookieSecretMissing(reply);
      const pair = useCases.createCodeVerifier({});
      setFlowCookie(reply, verifierCookie, {
        value: pair.codeVerifier,
        maxAgeSeconds: pair.expiresInSeconds,
      });
      const query = new URLSearchParams({
        code_challenge: pair.codeChallenge,
        code_challenge_method: "S256",
      });
      return reply.redirect(`/api/v1/oauth/${provider}?${query}`, 302);
    },
  );

  api.post(
    "/oauth/complete",
    {
      schema: {
        body: Type.Object({ code: boundedString(512) }),
        response: {
          200: successEnvelope(signInOutcome),
          ...errorsOf(...bodyErrors, "INVALID_LOGIN_CODE", "ACCOUNT_DISABLED", "EMAIL_NOT_VERIFIED"),
        },
      },
    },
    async (request, reply) => {
      const codeVerifier = readFlowCookie(request, { cookie: verifierCookie, settings }) ?? undefined;
      // One verifier, one exchange: the next sign-in makes a new one.
      clearFlowCookie(request, reply, verifierCookie);
      const result = await useCases.exchangeOAuthLoginCode({
        code: request.body.code,
        codeVerifier,
        client: signInClientOf(request, reply),
      });
      // The API's words for a bad login code speak to developers (code_verifier); this page's, shown
      // as they come, to the person, who may have been sent someone else's code (login CSRF).
      if (!result.ok)
        return sendFailure(
          reply,
          result.error === "INVALID_LOGIN_CODE"
            ? { error: result.error, message: landingWords(result.error) }
            : result,
        );
      return reply.send({ success: true, data: presentSignInOutcome(result.value) });
    },
  );
}

/**
 * What the landing page says to a person of the codes a trip to a provider fails with, where the
 * error reference's words are a developer's ("OAuth state", "authorization code") or wrong for a
 * sign-in through a provider: EMAIL_NOT_VERIFIED's "open the link we mailed" sent a person whose
 * provider had not verified the address to look for a mail that was never sent.
 */
const landingFailures: Partial<Record<ErrorCode, string>> = {
  INVALID_STATE: "This sign-in expired, was used already, or began in another browser",
  INVALID_AUTHORIZATION_CODE: "The provider's answer was not valid, or it expired",
  // The provider refused this service's request (a redirect URI, a scope), or it is not configured:
  // the operator's to mend. Its own trouble comes with `reason=provider_unavailable` (below).
  OAUTH_INIT_FAILED: "Something went wrong starting this sign-in with {provider}",
  OAUTH_ACCESS_DENIED: "You cancelled at {provider}, so you are not signed in",
  TOKEN_EXCHANGE_FAILED: "We could not reach the provider, or it took too long to answer",
  USER_INFO_FAILED:
    "We could not get your details from the provider, or it shared no email address (an account needs one)",
  EMAIL_NOT_VERIFIED:
    "Your email address is not verified: verify it at the provider (or, for an account waiting for it, through the link we mailed), then sign in again",
  PROVIDER_ALREADY_LINKED:
    "That provider account is linked to another account, or yours has another account of that provider linked already (unlink it first)",
  ACCOUNT_LINK_FAILED: "We could not link that provider account, and nothing was changed",
  INVALID_TOKEN: "Your session ended while you were at the provider: sign in again",
  USER_NOT_FOUND: "This account no longer exists",
  INVALID_LOGIN_CODE:
    "This sign-in did not begin in this browser, has expired, or was used already, so you are not signed in. If someone sent you this link, close this page",
};

/** Codes of a provider's own trouble, where starting again at once is unlikely to help. */
const tryLater: ReadonlySet<ErrorCode> = new Set(["OAUTH_INIT_FAILED", "TOKEN_EXCHANGE_FAILED"]);

/**
 * What the landing page says of a failed trip: words for a person, with what to do, naming the
 * provider when the address names a known one. A provider's own trouble (ADR 0068) says so.
 */
function landingWords(
  code: ErrorCode,
  trip: { provider?: OAuthProviderId | null; reason?: OAuthFailureReason | null } = {},
): string {
  if (code === "OAUTH_INIT_FAILED" && trip.reason === "provider_unavailable") {
    return providerUnavailableWords(trip.provider ?? null);
  }
  const name = trip.provider == null ? "the provider" : oauthProviderNames[trip.provider];
  const words = (landingFailures[code] ?? defaultErrorMessage[code]).replaceAll("{provider}", name);
  const next = tryLater.has(code) ? "Try again later" : "Start again below";
  return `${words.replace(/\.$/, "")}. ${next}, or sign in another way.`;
}

/**
 * How the trip ended, from the landing page's address: only a known error code, provider id or
 * reason is taken (the page is linkable, and any other text would read as this service's own words).
 */
function landingOutcome(query: Record<string, unknown> | undefined): LandingOutcome | null {
  const text = (name: string) => (typeof query?.[name] === "string" ? query[name] : null);
  const failed = text("error");
  if (failed !== null && isErrorCode(failed)) {
    const trip = {
      provider: parseOAuthProvider(text("provider") ?? ""),
      reason: parseOAuthFailureReason(text("reason")),
    };
    return { failure: landingWords(failed, trip) };
  }
  const linked = parseOAuthProvider(text("linked") ?? "");
  if (linked !== null) return { linked };
  const reauthenticated = parseOAuthProvider(text("reauthenticated") ?? "");
  return reauthenticated === null ? null : { reauthenticated };
}
