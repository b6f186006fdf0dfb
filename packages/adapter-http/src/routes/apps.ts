import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { AuthorizedApp, OwnedApp, UseCases } from "@superoauth/application";
import { maxAppNameLength, maxRedirectURIs } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import { sendError, sendFailure } from "../replies.ts";
import { successEnvelope } from "../schemas.ts";

// Request bounds are generous: the domain's rules (parseAppSettings) give the precise answers.
const url = Type.String({ maxLength: 2048 });
const uriList = Type.Array(url, { maxItems: maxRedirectURIs * 2 });
const scopeList = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 });
const nullableURL = Type.Union([url, Type.Null()]);

const appFields = {
  name: Type.String({ maxLength: maxAppNameLength * 4 }),
  logoURL: Type.Optional(nullableURL),
  homepageURL: Type.Optional(nullableURL),
  redirectURIs: uriList,
  postLogoutRedirectURIs: Type.Optional(uriList),
  allowedScopes: scopeList,
  type: Type.String({ maxLength: 32 }),
  tokenEndpointAuthMethod: Type.Optional(Type.String({ maxLength: 32 })),
  idTokenSigningAlg: Type.Optional(
    Type.String({
      maxLength: 16,
      description: "How the app's ID tokens are signed: ES256 (the default) or RS256",
    }),
  ),
  requirePKCE: Type.Optional(
    Type.Boolean({
      description:
        "Whether its authorization requests must carry a PKCE challenge (S256): true (the default); false for a confidential app whose library sends none",
    }),
  ),
  backchannelLogoutURI: Type.Optional(
    Type.Union([url, Type.Null()], {
      description:
        "Where the provider POSTs a logout token when a session the person signed in to the app within ends (OpenID Connect Back-Channel Logout 1.0): absolute https (http only for 127.0.0.1, [::1] or localhost), no fragment; null for none (the default)",
    }),
  ),
};

const publicApp = Type.Object({
  clientId: Type.String(),
  name: Type.String(),
  logoURL: Type.Union([Type.String(), Type.Null()]),
  homepageURL: Type.Union([Type.String(), Type.Null()]),
  redirectURIs: Type.Array(Type.String()),
  postLogoutRedirectURIs: Type.Array(Type.String()),
  allowedScopes: Type.Array(Type.String()),
  type: Type.String(),
  tokenEndpointAuthMethod: Type.String(),
  idTokenSigningAlg: Type.String(),
  requirePKCE: Type.Boolean(),
  backchannelLogoutURI: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

const publicAuthorizedApp = Type.Object({
  clientId: Type.String(),
  name: Type.String(),
  logoURL: Type.Union([Type.String(), Type.Null()]),
  homepageURL: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  grantedAt: Type.String({ format: "date-time" }),
  lastUsedAt: Type.String({ format: "date-time" }),
});

const clientIdParams = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 64 }) });

function presentApp(app: OwnedApp) {
  return {
    ...app,
    redirectURIs: [...app.redirectURIs],
    postLogoutRedirectURIs: [...app.postLogoutRedirectURIs],
    allowedScopes: [...app.allowedScopes],
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

function presentAuthorizedApp(app: AuthorizedApp) {
  return {
    clientId: app.clientId,
    name: app.name,
    logoURL: app.logoURL,
    homepageURL: app.homepageURL,
    scopes: [...app.scopes],
    grantedAt: app.grantedAt.toISOString(),
    lastUsedAt: app.lastUsedAt.toISOString(),
  };
}

/** The third-party apps a user registers, and the ones they authorized (ADR 0020; docs/api.md). */
export async function appRoutes(app: FastifyInstance, options: { useCases: UseCases }): Promise<void> {
  const { useCases } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);

  api.post(
    "/apps",
    {
      preValidation: authenticated,
      schema: {
        body: Type.Object(appFields),
        response: {
          201: successEnvelope(
            Type.Object({ app: publicApp, clientSecret: Type.Union([Type.String(), Type.Null()]) }),
          ),
          ...errorsOf(...bodyErrors, ...bearerErrors, "EMAIL_NOT_VERIFIED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.registerApp({
        owner: authOf(request).user,
        settings: request.body,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      // The secret is in this answer only: never cached anywhere on the way.
      reply.header("Cache-Control", "no-store");
      return reply.code(201).send({
        success: true,
        data: { app: presentApp(result.value.app), clientSecret: result.value.clientSecret },
      });
    },
  );

  api.get(
    "/apps",
    {
      preValidation: authenticated,
      schema: {
        response: {
          200: successEnvelope(Type.Object({ apps: Type.Array(publicApp) })),
          ...errorsOf(...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.listApps({ userId: authOf(request).user.id });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { apps: result.value.map(presentApp) } });
    },
  );

  api.get(
    "/apps/:clientId",
    {
      preValidation: authenticated,
      schema: {
        params: clientIdParams,
        response: {
          200: successEnvelope(Type.Object({ app: publicApp })),
          ...errorsOf(...inputErrors, ...bearerErrors, "APP_NOT_FOUND"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.getApp({
        userId: authOf(request).user.id,
        clientId: request.params.clientId,
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { app: presentApp(result.value) } });
    },
  );

  api.patch(
    "/apps/:clientId",
    {
      preValidation: authenticated,
      schema: {
        params: clientIdParams,
        body: Type.Partial(Type.Object(appFields), { minProperties: 1 }),
        response: {
          200: successEnvelope(Type.Object({ app: publicApp })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "APP_NOT_FOUND", "REAUTH_REQUIRED"),
        },
      },
    },
    async (request, reply) => {
      // Unknown fields are ignored (as on every route): a body of only those (a typo) would change
      // nothing, so it is refused like an empty one rather than answered 200.
      if (!Object.keys(appFields).some((field) => Object.hasOwn(request.body, field))) {
        return sendError(
          reply,
          "VALIDATION_ERROR",
          `Request body must hold at least one of ${Object.keys(appFields).join(", ")}`,
        );
      }
      const result = await useCases.updateApp({
        session: authOf(request).session,
        clientId: request.params.clientId,
        changes: request.body,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { app: presentApp(result.value) } });
    },
  );

  api.delete(
    "/apps/:clientId",
    {
      preValidation: authenticated,
      schema: {
        params: clientIdParams,
        response: {
          200: successEnvelope(Type.Object({ deleted: Type.Literal(true) })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "APP_NOT_FOUND", "REAUTH_REQUIRED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.deleteApp({
        session: authOf(request).session,
        clientId: request.params.clientId,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { deleted: true } });
    },
  );

  api.post(
    "/apps/:clientId/secret",
    {
      preValidation: authenticated,
      schema: {
        params: clientIdParams,
        response: {
          200: successEnvelope(Type.Object({ clientSecret: Type.String() })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "APP_NOT_FOUND", "REAUTH_REQUIRED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.rotateAppSecret({
        session: authOf(request).session,
        clientId: request.params.clientId,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      reply.header("Cache-Control", "no-store");
      return reply.send({ success: true, data: { clientSecret: result.value.clientSecret } });
    },
  );

  api.get(
    "/user/apps",
    {
      preValidation: authenticated,
      schema: {
        response: {
          200: successEnvelope(Type.Object({ apps: Type.Array(publicAuthorizedApp) })),
          ...errorsOf(...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.listAuthorizedApps({ userId: authOf(request).user.id });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { apps: result.value.map(presentAuthorizedApp) } });
    },
  );

  api.delete(
    "/user/apps/:clientId",
    {
      preValidation: authenticated,
      schema: {
        params: clientIdParams,
        response: {
          200: successEnvelope(Type.Object({ revoked: Type.Literal(true) })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "APP_NOT_FOUND"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.revokeAppAuthorization({
        userId: authOf(request).user.id,
        clientId: request.params.clientId,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { revoked: true } });
    },
  );
}
