import type { ClientInfo } from "@superoauth/application";
import type { FastifyRequest } from "fastify";

/** Where a request came from, for sessions and the security log. */
export function clientOf(request: FastifyRequest): ClientInfo {
  return { userAgent: request.headers["user-agent"], ip: request.ip };
}
