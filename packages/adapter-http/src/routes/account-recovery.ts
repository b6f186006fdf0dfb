import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { clientOf } from "../client-info.ts";
import { bodyErrors, errorsOf } from "../error-responses.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, successEnvelope } from "../schemas.ts";

/** What every request that may send a mail answers, whatever happened: one fixed body, so nothing is revealed. */
const requestAccepted = successEnvelope(
  Type.Object({ requested: Type.Literal(true), message: Type.String() }),
);
const verificationRequested = {
  success: true,
  data: {
    requested: true,
    message: "If this address belongs to an account that still needs verifying, a new link is on its way.",
  },
} as const;
const resetRequested = {
  success: true,
  data: {
    requested: true,
    message: "If this address belongs to an account, a link to reset its password is on its way.",
  },
} as const;

/** Email verification and password reset: the requests that mail a link, and the ones that use it. */
export async function accountRecoveryRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases },
): Promise<void> {
  const { useCases } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    "/auth/verify-email",
    {
      schema: {
        body: Type.Object({ token: boundedString(512) }),
        response: {
          200: successEnvelope(
            Type.Object({
              emailVerified: Type.Literal(true),
              alreadyVerified: Type.Boolean({
                description:
                  "true when the link had been used before (or a newer one since) and the address was already verified; nothing changed",
              }),
            }),
          ),
          ...errorsOf(...bodyErrors, "INVALID_VERIFICATION_TOKEN"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.verifyEmail({ token: request.body.token, client: clientOf(request) });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({
        success: true,
        data: { emailVerified: true, alreadyVerified: result.value.alreadyVerified },
      });
    },
  );

  api.post(
    "/auth/resend-verification",
    {
      config: { limit: "email" },
      schema: {
        body: Type.Object({ email: boundedString(512) }),
        response: { 200: requestAccepted, ...errorsOf(...bodyErrors) },
      },
    },
    async (request, reply) => {
      const result = await useCases.resendVerification({
        email: request.body.email,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send(verificationRequested);
    },
  );

  api.post(
    "/auth/forgot-password",
    {
      config: { limit: "email" },
      schema: {
        body: Type.Object({ email: boundedString(512) }),
        response: { 200: requestAccepted, ...errorsOf(...bodyErrors) },
      },
    },
    async (request, reply) => {
      const result = await useCases.requestPasswordReset({
        email: request.body.email,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send(resetRequested);
    },
  );

  api.post(
    "/auth/reset-password",
    {
      schema: {
        body: Type.Object({ token: boundedString(512), newPassword: boundedString(1024) }),
        response: {
          200: successEnvelope(
            Type.Object({ passwordReset: Type.Literal(true), sessionsEnded: Type.Literal(true) }),
          ),
          ...errorsOf(...bodyErrors, "INVALID_RESET_TOKEN"),
        },
      },
    },
    async (request, reply) => {
      const { token, newPassword } = request.body;
      const result = await useCases.resetPassword({ token, newPassword, client: clientOf(request) });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { passwordReset: true, sessionsEnded: true } });
    },
  );
}
