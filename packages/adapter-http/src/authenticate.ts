import type { Authenticated, UseCases } from "@superoauth/application";
import type { FastifyReply, FastifyRequest } from "fastify";
import { sendError, sendFailure } from "./replies.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireAuthentication` on routes that need a signed-in user. */
    auth: Authenticated | null;
  }
}

/** Reads `Authorization: Bearer <token>`; null when the header is missing, empty or of another scheme. */
export function readBearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** A preHandler that admits only callers with a valid access token of a live session. */
export function requireAuthentication(useCases: UseCases) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = readBearerToken(request.headers.authorization);
    if (token === null) {
      await sendError(reply, "UNAUTHORIZED");
      return;
    }
    const result = await useCases.authenticateAccessToken({ token });
    if (!result.ok) {
      await sendFailure(reply, result);
      return;
    }
    request.auth = result.value;
  };
}

/** The authenticated caller; only for handlers behind requireAuthentication. */
export function authOf(request: FastifyRequest): Authenticated {
  if (request.auth === null) throw new Error("Route is missing requireAuthentication");
  return request.auth;
}
