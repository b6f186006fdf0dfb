import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { bearerErrors, bodyErrors, errorsOf } from "../error-responses.ts";
import type { FlowCookieSettings } from "../flow-cookies.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, successEnvelope } from "../schemas.ts";
import { sendSignInFailure, signInClients } from "../sign-in.ts";

/** The signed-in user's own account. */
export async function userRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases; settings: FlowCookieSettings },
): Promise<void> {
  const { useCases } = options;
  // Wrong current passwords count toward lockout: judged by the device, as at sign-in (ADR 0008).
  const signInClientOf = signInClients(options.settings);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    "/user/password",
    {
      preHandler: requireAuthentication(useCases),
      schema: {
        body: Type.Object({
          currentPassword: Type.Optional(boundedString(1024)),
          newPassword: boundedString(1024),
        }),
        response: {
          200: successEnvelope(
            Type.Object({ passwordChanged: Type.Literal(true), otherSessionsEnded: Type.Literal(true) }),
          ),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "INVALID_CURRENT_PASSWORD",
            "REAUTH_REQUIRED",
            "ACCOUNT_LOCKED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.setPassword({
        session: authOf(request).session,
        ...request.body,
        client: signInClientOf(request, reply),
      });
      if (!result.ok) return sendSignInFailure(reply, result);
      return reply.send({ success: true, data: { passwordChanged: true, otherSessionsEnded: true } });
    },
  );

  api.delete(
    "/user",
    {
      preHandler: requireAuthentication(useCases),
      schema: {
        response: {
          200: successEnvelope(Type.Object({ deleted: Type.Literal(true) })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "REAUTH_REQUIRED", "LAST_ADMIN"),
        },
      },
    },
    async (request, reply) => {
      const { user, session } = authOf(request);
      const result = await useCases.deleteAccount({ user, session });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { deleted: true } });
    },
  );
}
