import type { ErrorCode } from "@superoauth/domain";
import type { FastifyReply } from "fastify";
import { defaultErrorMessage, errorStatus } from "./error-status.ts";

/** Sends the contract's error envelope with the status the table gives the code. */
export function sendError(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  return reply
    .code(errorStatus[code])
    .send({ success: false, error: code, message: message ?? defaultErrorMessage[code] });
}

/** Sends a use case's failure. */
export function sendFailure(
  reply: FastifyReply,
  failure: { error: ErrorCode; message?: string },
): FastifyReply {
  return sendError(reply, failure.error, failure.message);
}
