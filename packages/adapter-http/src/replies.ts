import type { ErrorCode } from "@superoauth/domain";
import type { FastifyReply } from "fastify";
import { defaultErrorMessage, errorStatus } from "./error-status.ts";

/** Sends the contract's error envelope with the status the table gives the code. */
export function sendError(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  return reply
    .code(errorStatus[code])
    .send({ success: false, error: code, message: message ?? defaultErrorMessage[code] });
}

/** Sends a use case's failure; a failure's cause (infrastructure behind the code) goes to the log only. */
export function sendFailure(
  reply: FastifyReply,
  failure: { error: ErrorCode; message?: string; cause?: unknown },
): FastifyReply {
  if (failure.cause !== undefined)
    reply.log.error({ err: failure.cause, code: failure.error }, "request failed");
  return sendError(reply, failure.error, failure.message);
}
