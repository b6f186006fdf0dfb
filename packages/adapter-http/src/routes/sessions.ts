import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { UseCases } from "@superoauth/application";
import { describeSecurityEvent } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, pageLimit, successEnvelope } from "../schemas.ts";

const publicSession = Type.Object({
  id: Type.String(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: Type.String({ format: "date-time" }),
  current: Type.Boolean(),
});

const publicSecurityEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  occurredAt: Type.String({ format: "date-time" }),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  /** A sentence for the holder ("Your two-factor authentication was reset by support"). */
  description: Type.String(),
});

/** The signed-in user's sessions (devices) and security log. */
export async function sessionRoutes(app: FastifyInstance, options: { useCases: UseCases }): Promise<void> {
  const { useCases } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);

  api.get(
    "/auth/sessions",
    {
      preValidation: authenticated,
      schema: {
        response: {
          200: successEnvelope(Type.Object({ sessions: Type.Array(publicSession) })),
          ...errorsOf(...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const { user, session } = authOf(request);
      const result = await useCases.listSessions({ userId: user.id, currentSessionId: session.id });
      if (!result.ok) return sendFailure(reply, result);
      const sessions = result.value.map((s) => ({
        ...s,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: s.lastUsedAt.toISOString(),
      }));
      return reply.send({ success: true, data: { sessions } });
    },
  );

  api.delete(
    "/auth/sessions/:id",
    {
      preValidation: authenticated,
      schema: {
        params: Type.Object({ id: boundedString(64) }),
        response: {
          200: successEnvelope(Type.Object({ revoked: Type.Literal(true) })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "SESSION_NOT_FOUND"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.revokeSession({
        userId: authOf(request).user.id,
        sessionId: request.params.id,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { revoked: true } });
    },
  );

  api.get(
    "/user/security-events",
    {
      preValidation: authenticated,
      schema: {
        // Query strings are text and types are never coerced: the use case reads the limit and checks its range.
        querystring: Type.Object({
          limit: Type.Optional(pageLimit()),
          before: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
        response: {
          200: successEnvelope(
            Type.Object({
              events: Type.Array(publicSecurityEvent),
              nextBefore: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...errorsOf(...inputErrors, ...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const { limit, before } = request.query;
      const result = await useCases.listSecurityEvents({
        userId: authOf(request).user.id,
        limit: limit === undefined ? undefined : Number(limit),
        before,
      });
      if (!result.ok) return sendFailure(reply, result);
      const events = result.value.events.map((e) => ({
        id: e.id,
        type: e.type,
        occurredAt: e.occurredAt.toISOString(),
        ip: e.ip,
        userAgent: e.userAgent,
        details: e.details,
        description: describeSecurityEvent(e),
      }));
      return reply.send({ success: true, data: { events, nextBefore: result.value.nextBefore } });
    },
  );
}
