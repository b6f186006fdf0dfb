import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { OAuthStateCookie, UseCases } from "@superoauth/application";
import { type ErrorCode, oauthProviderNames, parseOAuthProvider } from "@superoauth/domain";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import {
  clearFlowCookie,
  type FlowCookieSettings,
  flowCookie,
  readFlowCookie,
  sendCookieSecretMissing,
  setFlowCookie,
} from "../flow-cookies.ts";
import { sendError, sendFailure } from "../replies.ts";
import { boundedString, successEnvelope } from "../schemas.ts";
import { presentSignInOutcome, signInClients, signInOutcome } from "../sign-in.ts";

/** How the OAuth routes behave in this deployment. */
export interface OAuthRouteSettings extends FlowCookieSettings {
  /**
   * Where the browser lands after signing in (with `?code=`), linking (with `?linked=`) or
   * re-authenticating (with `?reauthenticated=`).
   */
  readonly successRedirectURL: string;
}

/** The signed cookie that binds a trip to the provider to the browser that started it. */
export const oauthStateCookieName = "superoauth_oauth_state";

/** The signed cookie that holds where a hosted sign-in page wants the trip to come back to. */
export const oauthReturnCookieName = "superoauth_oauth_return";

/**
 * The only places a trip may come back to other than OAUTH_SUCCESS_REDIRECT: a hosted sign-in page
 * of this server (`/interaction/<uid>/social`, ADR 0022). A path, never a URL, so the login code
 * cannot be sent to another host (an open redirect that would leak it).
 */
const returnTargetPattern = /^\/interaction\/[A-Za-z0-9_-]{1,128}\/social$/;

const providerParams = Type.Object({ provider: boundedString(64) });

/** Social sign-in, linking, unlinking and re-authenticating (docs/oauth.md). */
export async function oauthRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases; settings: OAuthRouteSettings },
): Promise<void> {
  const { useCases, settings } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);
  const signInClientOf = signInClients(settings);
  const callbackPath = (provider: string) => `${app.prefix}/oauth/${provider}/callback`;

  /** Readable only by the callback: scoped to its path, or `__Host-` over https. */
  const stateCookie = (provider: string) =>
    flowCookie(settings, { name: oauthStateCookieName, path: callbackPath(provider) });
  const returnCookie = (provider: string) =>
    flowCookie(settings, { name: oauthReturnCookieName, path: callbackPath(provider) });

  /** State and verifier go to the browser in a signed, HttpOnly cookie. */
  function setStateCookie(
    reply: FastifyReply,
    input: { provider: string; state: string; codeVerifier: string | null; maxAge: number },
  ) {
    setFlowCookie(reply, stateCookie(input.provider), {
      value: `${input.state}.${input.codeVerifier ?? ""}`,
      maxAgeSeconds: input.maxAge,
    });
  }

  function readStateCookie(request: FastifyRequest, provider: string): OAuthStateCookie | null {
    const value = readFlowCookie(request, { cookie: stateCookie(provider), settings });
    if (value === null) return null;
    const dot = value.indexOf(".");
    if (dot <= 0) return null;
    const verifier = value.slice(dot + 1);
    return { state: value.slice(0, dot), codeVerifier: verifier === "" ? null : verifier };
  }

  /** A started trip: its failure, or the state cookie and the answer that sends the browser on. */
  function sendTrip(
    reply: FastifyReply,
    input: {
      started: Awaited<
        ReturnType<
          UseCases["startOAuthAuthorization" | "startLinkingProvider" | "startProviderReauthentication"]
        >
      >;
      answer: (authorizationURL: string) => FastifyReply;
    },
  ): FastifyReply {
    const { started } = input;
    if (!started.ok) return sendFailure(reply, started);
    if (!settings.cookiesCanBeSigned) return sendCookieSecretMissing(reply);
    setStateCookie(reply, { ...started.value, maxAge: started.value.expiresInSeconds });
    return input.answer(started.value.authorizationURL);
  }

  api.get(
    "/oauth/providers",
    {
      schema: {
        response: {
          200: successEnvelope(
            Type.Object({
              providers: Type.Array(
                Type.Object({ id: Type.String(), name: Type.String(), startURL: Type.String() }),
              ),
            }),
          ),
          ...errorsOf(),
        },
      },
    },
    async (_request, reply) => {
      const providers = await useCases.listOAuthProviders({});
      return reply.send({
        success: true,
        data: {
          providers: providers.map((id) => ({
            id,
            name: oauthProviderNames[id],
            startURL: `${app.prefix}/oauth/${id}`,
          })),
        },
      });
    },
  );

  api.get(
    "/oauth/linked",
    {
      preHandler: authenticated,
      schema: {
        response: {
          200: successEnvelope(
            Type.Object({
              providers: Type.Array(
                Type.Object({
                  provider: Type.String(),
                  name: Type.String(),
                  displayName: Type.Union([Type.String(), Type.Null()]),
                  email: Type.Union([Type.String(), Type.Null()]),
                  linkedAt: Type.String({ format: "date-time" }),
                }),
              ),
            }),
          ),
          ...errorsOf(...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const links = await useCases.listLinkedProviders({ userId: authOf(request).user.id });
      return reply.send({
        success: true,
        data: {
          providers: links.map((link) => ({
            provider: link.provider,
            name: oauthProviderNames[link.provider],
            displayName: link.displayName,
            email: link.email,
            linkedAt: link.linkedAt.toISOString(),
          })),
        },
      });
    },
  );

  api.get(
    "/oauth/:provider",
    {
      schema: {
        params: providerParams,
        // RFC 7636 section 4.3's names: the challenge binds the login code to this browser (ADR 0013).
        querystring: Type.Object({
          code_challenge: Type.Optional(boundedString(256)),
          code_challenge_method: Type.Optional(boundedString(16)),
          // A hosted sign-in page to come back to instead of OAUTH_SUCCESS_REDIRECT (ADR 0022).
          return_to: Type.Optional(boundedString(256)),
        }),
        // Success is a 302 to the provider.
        response: errorsOf(...inputErrors, "UNSUPPORTED_PROVIDER", "OAUTH_INIT_FAILED"),
      },
    },
    async (request, reply) => {
      const returnTo = request.query.return_to;
      if (returnTo !== undefined && !returnTargetPattern.test(returnTo)) {
        return sendError(reply, "VALIDATION_ERROR", "return_to must be a hosted sign-in page of this server");
      }
      const started = await useCases.startOAuthAuthorization({
        provider: request.params.provider,
        codeChallenge: request.query.code_challenge,
        codeChallengeMethod: request.query.code_challenge_method,
      });
      return sendTrip(reply, {
        started,
        answer: (url) => {
          if (returnTo !== undefined && started.ok) {
            setFlowCookie(reply, returnCookie(started.value.provider), {
              value: returnTo,
              maxAgeSeconds: started.value.expiresInSeconds,
            });
          }
          return reply.redirect(url, 302);
        },
      });
    },
  );

  /** POST routes a signed-in front end starts a trip with: it gets the URL, the browser the cookie. */
  const signedInTrip = (...codes: ErrorCode[]) => ({
    preHandler: authenticated,
    schema: {
      params: providerParams,
      response: {
        200: successEnvelope(Type.Object({ authorizationURL: Type.String() })),
        ...errorsOf(...bodyErrors, ...bearerErrors, "UNSUPPORTED_PROVIDER", "OAUTH_INIT_FAILED", ...codes),
      },
    },
  });

  const sendURL = (reply: FastifyReply) => (authorizationURL: string) =>
    reply.send({ success: true, data: { authorizationURL } });

  api.post("/oauth/:provider/link", signedInTrip("REAUTH_REQUIRED"), async (request, reply) =>
    sendTrip(reply, {
      started: await useCases.startLinkingProvider({
        provider: request.params.provider,
        session: authOf(request).session,
      }),
      answer: sendURL(reply),
    }),
  );

  // A session proves itself again through a linked provider (ADR 0012): the callback records the
  // proof and lands with ?reauthenticated=<provider>.
  api.post("/oauth/:provider/reauthenticate", signedInTrip("PROVIDER_NOT_LINKED"), async (request, reply) =>
    sendTrip(reply, {
      started: await useCases.startProviderReauthentication({
        provider: request.params.provider,
        session: authOf(request).session,
      }),
      answer: sendURL(reply),
    }),
  );

  api.get(
    "/oauth/:provider/callback",
    {
      schema: {
        params: providerParams,
        querystring: Type.Object({
          code: Type.Optional(boundedString(2048)),
          state: Type.Optional(boundedString(512)),
          error: Type.Optional(boundedString(256)),
          error_description: Type.Optional(boundedString(2048)),
        }),
        response: {
          200: successEnvelope(
            Type.Union([
              signInOutcome,
              Type.Object({ linked: Type.Literal(true), provider: Type.String() }),
              Type.Object({ reauthenticated: Type.Literal(true), provider: Type.String() }),
            ]),
          ),
          ...errorsOf(
            ...inputErrors,
            "UNSUPPORTED_PROVIDER",
            "INVALID_STATE",
            "OAUTH_ACCESS_DENIED",
            "OAUTH_INIT_FAILED",
            "INVALID_AUTHORIZATION_CODE",
            "TOKEN_EXCHANGE_FAILED",
            "USER_INFO_FAILED",
            "OAUTH_EMAIL_CONFLICT",
            "PROVIDER_ALREADY_LINKED",
            "ACCOUNT_LINK_FAILED",
            "USER_NOT_FOUND",
            "ACCOUNT_DISABLED",
            "EMAIL_NOT_VERIFIED",
            "INVALID_TOKEN",
            "REAUTH_IDENTITY_MISMATCH",
          ),
        },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const cookie = readStateCookie(request, provider);
      // The state works once whatever happens next, so the cookie goes too. Only a known
      // provider names a cookie path: the raw segment could hold anything.
      const known = parseOAuthProvider(provider);
      let returnTo: string | null = null;
      if (known !== null) {
        clearFlowCookie(request, reply, stateCookie(known));
        const presented = readFlowCookie(request, { cookie: returnCookie(known), settings });
        returnTo = presented !== null && returnTargetPattern.test(presented) ? presented : null;
        clearFlowCookie(request, reply, returnCookie(known));
      }
      const wantsJSON = (request.headers.accept ?? "").includes("application/json");
      const finished = await useCases.finishOAuthAuthorization({
        provider,
        state: request.query.state,
        code: request.query.code,
        error: request.query.error,
        cookie,
        respondWith: wantsJSON ? "tokens" : "login-code",
        client: signInClientOf(request, reply),
      });
      if (!finished.ok) {
        // A hosted sign-in page shows the failure in its own look (by code; nothing else in the URL).
        if (returnTo !== null) {
          return reply.redirect(`${returnTo}?${new URLSearchParams({ error: finished.error })}`, 302);
        }
        return sendFailure(reply, finished);
      }
      const outcome = finished.value;
      switch (outcome.kind) {
        case "signed-in":
          return reply.send({ success: true, data: presentSignInOutcome(outcome.signIn) });
        case "linked":
          if (wantsJSON)
            return reply.send({ success: true, data: { linked: true, provider: outcome.provider } });
          return reply.redirect(landing({ linked: outcome.provider }), 302);
        case "reauthenticated":
          if (wantsJSON)
            return reply.send({ success: true, data: { reauthenticated: true, provider: outcome.provider } });
          return reply.redirect(landing({ reauthenticated: outcome.provider }), 302);
        case "login-code":
          // Never tokens in a URL: a one-time code for 60 seconds, traded at POST /oauth/exchange
          // (or by the hosted sign-in page that started the trip, with its own verifier).
          if (returnTo !== null) {
            return reply.redirect(`${returnTo}?${new URLSearchParams({ code: outcome.code })}`, 302);
          }
          return reply.redirect(landing({ code: outcome.code, provider: outcome.provider }), 302);
      }
    },
  );

  function landing(parameters: Record<string, string>): string {
    const url = new URL(settings.successRedirectURL);
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    return url.toString();
  }

  api.post(
    "/oauth/exchange",
    {
      schema: {
        // code_verifier as RFC 7636 section 4.5 spells it; a missing one is INVALID_LOGIN_CODE.
        body: Type.Object({ code: boundedString(512), code_verifier: Type.Optional(boundedString(256)) }),
        response: {
          200: successEnvelope(signInOutcome),
          ...errorsOf(...bodyErrors, "INVALID_LOGIN_CODE", "ACCOUNT_DISABLED", "EMAIL_NOT_VERIFIED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.exchangeOAuthLoginCode({
        code: request.body.code,
        codeVerifier: request.body.code_verifier,
        client: signInClientOf(request, reply),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: presentSignInOutcome(result.value) });
    },
  );

  api.delete(
    "/oauth/:provider/unlink",
    {
      preHandler: authenticated,
      schema: {
        params: providerParams,
        response: {
          200: successEnvelope(Type.Object({ unlinked: Type.Literal(true), provider: Type.String() })),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "UNSUPPORTED_PROVIDER",
            "PROVIDER_NOT_LINKED",
            "CANNOT_UNLINK_LAST_AUTH",
            "REAUTH_REQUIRED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.unlinkProvider({
        session: authOf(request).session,
        provider: request.params.provider,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { unlinked: true, provider: request.params.provider } });
    },
  );
}
