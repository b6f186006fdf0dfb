import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf } from "../error-responses.ts";
import type { FlowCookieSettings } from "../flow-cookies.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, presentUser, publicUser, successEnvelope } from "../schemas.ts";
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
      preValidation: requireAuthentication(useCases),
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

  api.patch(
    "/user",
    {
      preValidation: requireAuthentication(useCases),
      schema: {
        body: Type.Object({ nickname: boundedString(256) }),
        response: {
          200: successEnvelope(Type.Object({ user: publicUser })),
          ...errorsOf(...bodyErrors, ...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.updateProfile({
        session: authOf(request).session,
        nickname: request.body.nickname,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { user: presentUser(result.value) } });
    },
  );

  // 202: nothing changed yet; the address becomes the account's when the mailed link is used.
  api.post(
    "/user/email",
    {
      preValidation: requireAuthentication(useCases),
      config: { limit: "email" },
      schema: {
        body: Type.Object({ newEmail: boundedString(512) }),
        response: {
          202: successEnvelope(Type.Object({ pending: Type.Literal(true) })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "REAUTH_REQUIRED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.requestEmailChange({
        session: authOf(request).session,
        newEmail: request.body.newEmail,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.code(202).send({ success: true, data: { pending: true } });
    },
  );

  // No bearer: the mailed token is the proof (of the session that asked, and of the new mailbox).
  api.post(
    "/user/email/confirm",
    {
      schema: {
        body: Type.Object({ token: boundedString(512) }),
        response: {
          200: successEnvelope(Type.Object({ user: publicUser })),
          ...errorsOf(...bodyErrors, "INVALID_VERIFICATION_TOKEN", "USER_EXISTS"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.confirmEmailChange({
        token: request.body.token,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { user: presentUser(result.value) } });
    },
  );

  // No bearer: the link mailed to the address the account left is the proof (ADR 0047).
  api.post(
    "/user/email/undo",
    {
      schema: {
        body: Type.Object({ token: boundedString(512), newPassword: boundedString(1024) }),
        response: {
          200: successEnvelope(
            Type.Object({ emailRestored: Type.Literal(true), sessionsEnded: Type.Literal(true) }),
          ),
          ...errorsOf(...bodyErrors, "INVALID_RESET_TOKEN", "USER_EXISTS"),
        },
      },
    },
    async (request, reply) => {
      const { token, newPassword } = request.body;
      const result = await useCases.undoEmailChange({ token, newPassword, client: clientOf(request) });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { emailRestored: true, sessionsEnded: true } });
    },
  );

  api.delete(
    "/user",
    {
      preValidation: requireAuthentication(useCases),
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
