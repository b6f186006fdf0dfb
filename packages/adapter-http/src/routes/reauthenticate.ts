import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { attemptBudget, missingFreshProof, type UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { bearerErrors, bodyErrors, errorsOf } from "../error-responses.ts";
import type { FlowCookieSettings } from "../flow-cookies.ts";
import { boundedString, successEnvelope } from "../schemas.ts";
import { sendSignInFailure, signInClients } from "../sign-in.ts";

/**
 * A signed-in session proves a factor again before sensitive changes (ADR 0012). Accounts
 * without a password or 2FA use POST /oauth/:provider/reauthenticate instead.
 */
export async function reauthenticateRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases; settings: FlowCookieSettings },
): Promise<void> {
  const { useCases } = options;
  const signInClientOf = signInClients(options.settings);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    "/auth/reauthenticate",
    {
      preValidation: requireAuthentication(useCases),
      // Guessing here is guessing credentials: the login budget applies, and wrong answers count
      // toward lockout. A form without a proof typed is answered 400 without trying anything: it
      // draws from the general budget, not one of the login attempts (ADR 0070).
      config: { limit: "login", limitOf: attemptBudget(missingFreshProof, "login", "general") },
      schema: {
        body: Type.Object({
          password: Type.Optional(boundedString(1024)),
          code: Type.Optional(boundedString(32)),
          backupCode: Type.Optional(boundedString(64)),
        }),
        response: {
          200: successEnvelope(Type.Object({ reauthenticatedAt: Type.String({ format: "date-time" }) })),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "INVALID_CURRENT_PASSWORD",
            "TWO_FACTOR_NOT_ENABLED",
            "INVALID_TWO_FACTOR_CODE",
            "ACCOUNT_LOCKED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.reauthenticate({
        session: authOf(request).session,
        ...request.body,
        // The device cookie tells the owner's device apart from a thief's (ADR 0008).
        client: signInClientOf(request, reply),
      });
      if (!result.ok) return sendSignInFailure(reply, result);
      return reply.send({
        success: true,
        data: { reauthenticatedAt: result.value.reauthenticatedAt.toISOString() },
      });
    },
  );
}
