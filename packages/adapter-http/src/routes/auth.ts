import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  attemptBudget,
  missingSignInField,
  missingSignUpField,
  type UseCases,
} from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authenticateBearer, authOf, requireAuthentication, routeKeyOf } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf } from "../error-responses.ts";
import type { FlowCookieSettings } from "../flow-cookies.ts";
import { sendFailure } from "../replies.ts";
import {
  boundedString,
  currentUser,
  presentCurrentUser,
  signedIn,
  successEnvelope,
  tokenPair,
} from "../schemas.ts";
import {
  presentSignedIn,
  presentSignInOutcome,
  sendSignInFailure,
  signInClients,
  signInOutcome,
} from "../sign-in.ts";

const loggedOut = successEnvelope(Type.Object({ loggedOut: Type.Literal(true) }));

/** Registration, login, tokens and logout. */
export async function authRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases; settings: FlowCookieSettings },
): Promise<void> {
  const { useCases } = options;
  const signInClientOf = signInClients(options.settings);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);

  api.post(
    "/auth/register",
    {
      // A body without an address, a password or a nickname is answered 400 without trying
      // anything: it draws from the general budget, not one of the sign-ups (ADR 0070).
      config: { limit: "register", limitOf: attemptBudget(missingSignUpField, "register", "general") },
      schema: {
        body: Type.Object({
          email: boundedString(512),
          password: boundedString(1024),
          nickname: boundedString(256),
        }),
        response: { 201: successEnvelope(signedIn), ...errorsOf(...bodyErrors, "USER_EXISTS") },
      },
    },
    async (request, reply) => {
      const body = request.body;
      // Signing up is the first sign-in: the device cookie starts here, and becomes known (ADR 0016).
      const result = await useCases.registerWithPassword({ ...body, client: signInClientOf(request, reply) });
      if (!result.ok) return sendFailure(reply, result);
      return reply.code(201).send({ success: true, data: presentSignedIn(result.value) });
    },
  );

  api.post(
    "/auth/login",
    {
      // A body without an address or a password is answered 400 without trying anything: it draws
      // from the general budget, not one of the login attempts (ADR 0070).
      config: { limit: "login", limitOf: attemptBudget(missingSignInField, "login", "general") },
      schema: {
        body: Type.Object({ email: boundedString(512), password: boundedString(1024) }),
        response: {
          200: successEnvelope(signInOutcome),
          ...errorsOf(
            ...bodyErrors,
            "INVALID_CREDENTIALS",
            "ACCOUNT_DISABLED",
            "EMAIL_NOT_VERIFIED",
            "ACCOUNT_LOCKED",
          ),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await useCases.logInWithPassword({ ...body, client: signInClientOf(request, reply) });
      if (!result.ok) return sendSignInFailure(reply, result);
      return reply.send({ success: true, data: presentSignInOutcome(result.value) });
    },
  );

  api.get(
    "/auth/me",
    {
      schema: {
        response: { 200: successEnvelope(Type.Object({ user: currentUser })), ...errorsOf(...bearerErrors) },
      },
    },
    async (request, reply) => {
      // Apps too, with user:read (ADR 0020), as authenticateCaller admits them; the 2FA status comes
      // with the session and the user, in one read for our own tokens.
      const found = await authenticateBearer(request, reply, (token) =>
        useCases.authenticateCallerWithTwoFactorStatus({ token, route: routeKeyOf(request) }),
      );
      if (found === null) return reply;
      return reply.send({
        success: true,
        data: { user: presentCurrentUser(found.caller.user, found.twoFactor) },
      });
    },
  );

  api.post(
    "/auth/refresh",
    {
      schema: {
        body: Type.Object({ refreshToken: boundedString(512) }),
        response: {
          200: successEnvelope(tokenPair),
          ...errorsOf(...bodyErrors, "INVALID_REFRESH_TOKEN", "ACCOUNT_DISABLED", "EMAIL_NOT_VERIFIED"),
        },
      },
    },
    async (request, reply) => {
      const { refreshToken } = request.body;
      const result = await useCases.refreshSession({ refreshToken, client: clientOf(request) });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: result.value });
    },
  );

  api.post(
    "/auth/logout",
    {
      preValidation: [
        authenticated,
        // Logging out with no body at all is allowed (it ends the caller's session), but
        // Fastify validates an absent body as undefined, which no object schema accepts.
        async (request) => {
          if (request.body === undefined) request.body = {};
        },
      ],
      schema: {
        body: Type.Object({ refreshToken: Type.Optional(boundedString(512)) }),
        response: { 200: loggedOut, ...errorsOf(...bodyErrors, ...bearerErrors, "INVALID_REFRESH_TOKEN") },
      },
    },
    async (request, reply) => {
      const { user, session } = authOf(request);
      const body = request.body;
      const result = await useCases.logOut({
        userId: user.id,
        sessionId: session.id,
        refreshToken: body.refreshToken,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { loggedOut: true } });
    },
  );

  api.post(
    "/auth/logout-all",
    {
      preValidation: authenticated,
      schema: { response: { 200: loggedOut, ...errorsOf(...bodyErrors, ...bearerErrors) } },
    },
    async (request, reply) => {
      await useCases.logOutEverywhere({ userId: authOf(request).user.id, client: clientOf(request) });
      return reply.send({ success: true, data: { loggedOut: true } });
    },
  );
}
