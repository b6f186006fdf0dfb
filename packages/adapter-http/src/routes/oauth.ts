import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { oauthFailureReason, type UseCases } from "@superoauth/application";
import { type ErrorCode, oauthProviderNames, parseOAuthProvider } from "@superoauth/domain";
import type { FastifyInstance, FastifyReply } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import { type FlowCookieSettings, sendCookieSecretMissing } from "../flow-cookies.ts";
import { providerTripCookies, returnTargetPattern } from "../provider-trips.ts";
import { logFailure, sendError, sendFailure } from "../replies.ts";
import { boundedString, redirectResponse, successEnvelope } from "../schemas.ts";
import { presentSignInOutcome, signInClients, signInOutcome } from "../sign-in.ts";

/** How the OAuth routes behave in this deployment. */
export interface OAuthRouteSettings extends FlowCookieSettings {
  /**
   * Where the browser lands after signing in (with `?code=`), linking (with `?linked=`) or
   * re-authenticating (with `?reauthenticated=`).
   */
  readonly successRedirectURL: string;
}

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
  const tripCookies = providerTripCookies(settings, app.prefix);

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
    tripCookies.setState(reply, started.value);
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
      preValidation: authenticated,
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
        response: {
          302: redirectResponse("To the provider's authorization page (the `Location` header)."),
          ...errorsOf(...inputErrors, "UNSUPPORTED_PROVIDER", "OAUTH_INIT_FAILED"),
        },
      },
    },
    async (request, reply) => {
      const returnTo = request.query.return_to;
      if (returnTo !== undefined && !returnTargetPattern.test(returnTo)) {
        return sendError(reply, "VALIDATION_ERROR", "return_to must be a hosted page of this server");
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
            tripCookies.setReturn(reply, started.value, returnTo);
          }
          return reply.redirect(url, 302);
        },
      });
    },
  );

  /** POST routes a signed-in front end starts a trip with: it gets the URL, the browser the cookie. */
  const signedInTrip = (...codes: ErrorCode[]) => ({
    preValidation: authenticated,
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
          // A browser's answer (no `Accept: application/json`): never tokens in a URL.
          302: redirectResponse(
            "A browser, sent on (`Location`): to OAUTH_SUCCESS_REDIRECT with a one-time `code` for POST /oauth/exchange, `linked` or `reauthenticated`, or, when it failed, `error` (the code), `provider` and, for an OAUTH_INIT_FAILED that is the provider's own trouble (its `server_error` or `temporarily_unavailable`), `reason=provider_unavailable`; or to the hosted page that started the trip, with the same.",
          ),
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
            "INVALID_CREDENTIALS",
            "INVALID_TOKEN",
            "REAUTH_IDENTITY_MISMATCH",
          ),
        },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const cookie = tripCookies.readState(request, provider);
      // The state works once whatever happens next, so the cookies go too. Only a known
      // provider names a cookie path: the raw segment could hold anything.
      const known = parseOAuthProvider(provider);
      const returnTo = known === null ? null : tripCookies.takeReturn(request, reply, known);
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
        // The code, the provider and, where the code alone cannot tell a provider's trouble from a
        // refusal, a non-secret reason: nothing of the provider's own text goes on in the URL.
        const reason = oauthFailureReason(finished, request.query.error);
        const failure = {
          error: finished.error,
          ...(known === null ? {} : { provider: known }),
          ...(reason === null ? {} : { reason }),
        };
        // A hosted sign-in page shows the failure in its own look.
        if (returnTo !== null) {
          logFailure(reply, finished);
          return reply.redirect(hostedPage(returnTo, failure), 302);
        }
        // A person's browser goes on to the landing page with the code, as it would with a
        // success, not to a JSON envelope on the API's address; a client asking for JSON (or
        // naming no page type) gets the envelope.
        if (!wantsJSON && (request.headers.accept ?? "").includes("text/html")) {
          logFailure(reply, finished);
          return reply.redirect(landing(failure), 302);
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
          if (returnTo !== null)
            return reply.redirect(hostedPage(returnTo, { linked: outcome.provider }), 302);
          return reply.redirect(landing({ linked: outcome.provider }), 302);
        case "reauthenticated":
          if (wantsJSON)
            return reply.send({ success: true, data: { reauthenticated: true, provider: outcome.provider } });
          if (returnTo !== null) {
            return reply.redirect(hostedPage(returnTo, { reauthenticated: outcome.provider }), 302);
          }
          return reply.redirect(landing({ reauthenticated: outcome.provider }), 302);
        case "login-code":
          // Never tokens in a URL: a one-time code for 60 seconds, traded at POST /oauth/exchange
          // (or by the hosted sign-in page that started the trip, with its own verifier).
          if (returnTo !== null) {
            return reply.redirect(hostedPage(returnTo, { code: outcome.code }), 302);
          }
          return reply.redirect(landing({ code: outcome.code, provider: outcome.provider }), 302);
      }
    },
  );

  /** A hosted page's return target (a local path) with the outcome in its query. */
  function hostedPage(returnTo: string, parameters: Record<string, string>): string {
    return `${returnTo}?${new URLSearchParams(parameters)}`;
  }

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
          ...errorsOf(
            ...bodyErrors,
            "INVALID_LOGIN_CODE",
            "ACCOUNT_DISABLED",
            "EMAIL_NOT_VERIFIED",
            "INVALID_CREDENTIALS",
          ),
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
      preValidation: authenticated,
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
