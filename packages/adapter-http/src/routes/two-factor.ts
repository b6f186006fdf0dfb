import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { attemptBudget, missingSecondStepCode, type UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf } from "../error-responses.ts";
import type { FlowCookieSettings } from "../flow-cookies.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, signedIn, successEnvelope } from "../schemas.ts";
import { presentSignedIn, sendSignInFailure, signInClients } from "../sign-in.ts";

const backupCodes = Type.Object({
  backupCodes: Type.Array(Type.String(), { description: "Shown once: store them somewhere safe" }),
});

/** TOTP two-factor authentication: setup, the sign-in step, backup codes, turning it off. */
export async function twoFactorRoutes(
  app: FastifyInstance,
  options: { useCases: UseCases; settings: FlowCookieSettings },
): Promise<void> {
  const { useCases } = options;
  const signInClientOf = signInClients(options.settings);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);

  api.post(
    "/auth/2fa/setup",
    {
      preValidation: authenticated,
      schema: {
        response: {
          200: successEnvelope(
            Type.Object({ secret: Type.String(), otpauthURL: Type.String(), qrCode: Type.String() }),
          ),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "TWO_FACTOR_ALREADY_ENABLED",
            "REAUTH_REQUIRED",
            "EMAIL_NOT_VERIFIED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.setUpTwoFactor({ session: authOf(request).session });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: result.value });
    },
  );

  api.post(
    "/auth/2fa/enable",
    {
      preValidation: authenticated,
      schema: {
        body: Type.Object({ code: boundedString(32) }),
        response: {
          200: successEnvelope(Type.Object({ enabled: Type.Literal(true), ...backupCodes.properties })),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "TWO_FACTOR_SETUP_REQUIRED",
            "TWO_FACTOR_ALREADY_ENABLED",
            "INVALID_TWO_FACTOR_CODE",
            "REAUTH_REQUIRED",
            "EMAIL_NOT_VERIFIED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.enableTwoFactor({
        session: authOf(request).session,
        code: request.body.code,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { enabled: true, backupCodes: result.value.backupCodes } });
    },
  );

  api.post(
    "/auth/2fa/verify",
    {
      // Guessing codes is guessing credentials: the login budget applies, and wrong codes count toward
      // lockout. A form without a code typed is answered 400 without trying anything: it draws from
      // the general budget, not one of the login attempts (ADR 0070).
      config: { limit: "login", limitOf: attemptBudget(missingSecondStepCode, "login", "general") },
      schema: {
        body: Type.Object({
          mfaToken: boundedString(2048),
          code: Type.Optional(boundedString(32)),
          backupCode: Type.Optional(boundedString(64)),
        }),
        response: {
          200: successEnvelope(signedIn),
          ...errorsOf(
            ...bodyErrors,
            "INVALID_MFA_TOKEN",
            "INVALID_TWO_FACTOR_CODE",
            "ACCOUNT_DISABLED",
            "ACCOUNT_LOCKED",
          ),
        },
      },
    },
    async (request, reply) => {
      const { mfaToken, code, backupCode } = request.body;
      const result = await useCases.verifyTwoFactorLogin({
        mfaToken,
        code,
        backupCode,
        client: signInClientOf(request, reply),
      });
      if (!result.ok) return sendSignInFailure(reply, result);
      return reply.send({ success: true, data: presentSignedIn(result.value) });
    },
  );

  api.post(
    "/auth/2fa/disable",
    {
      preValidation: authenticated,
      schema: {
        body: Type.Object({
          code: Type.Optional(boundedString(32)),
          backupCode: Type.Optional(boundedString(64)),
          password: Type.Optional(boundedString(1024)),
        }),
        response: {
          200: successEnvelope(Type.Object({ disabled: Type.Literal(true) })),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "TWO_FACTOR_NOT_ENABLED",
            "INVALID_CURRENT_PASSWORD",
            "INVALID_TWO_FACTOR_CODE",
            "REAUTH_REQUIRED",
            "ACCOUNT_LOCKED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.disableTwoFactor({
        session: authOf(request).session,
        ...request.body,
        // Wrong proofs count toward lockout: the device cookie tells the owner's device apart (ADR 0008).
        client: signInClientOf(request, reply),
      });
      if (!result.ok) return sendSignInFailure(reply, result);
      return reply.send({ success: true, data: { disabled: true } });
    },
  );

  api.post(
    "/auth/2fa/backup-codes",
    {
      preValidation: authenticated,
      schema: {
        body: Type.Object({ code: boundedString(32) }),
        response: {
          200: successEnvelope(backupCodes),
          ...errorsOf(
            ...bodyErrors,
            ...bearerErrors,
            "TWO_FACTOR_NOT_ENABLED",
            "INVALID_TWO_FACTOR_CODE",
            "REAUTH_REQUIRED",
            "ACCOUNT_LOCKED",
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.regenerateBackupCodes({
        session: authOf(request).session,
        code: request.body.code,
        client: signInClientOf(request, reply),
      });
      if (!result.ok) return sendSignInFailure(reply, result);
      return reply.send({ success: true, data: result.value });
    },
  );
}
