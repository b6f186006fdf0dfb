import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { sendError } from "../replies.ts";
import { errorResponses, successEnvelope } from "../schemas.ts";

/** Liveness and readiness probes, outside /api/v1 and outside the rate limits. */
export async function healthRoutes(
  app: FastifyInstance,
  options: { checkReadiness: () => Promise<boolean> },
): Promise<void> {
  app.get(
    "/health",
    {
      config: { limit: "none" },
      schema: { response: { 200: successEnvelope(Type.Object({ status: Type.Literal("ok") })) } },
    },
    async () => ({ success: true, data: { status: "ok" } }),
  );

  app.get(
    "/ready",
    {
      config: { limit: "none" },
      schema: {
        response: { 200: successEnvelope(Type.Object({ database: Type.Literal("ok") })), ...errorResponses },
      },
    },
    async (request, reply) => {
      const ready = await options.checkReadiness().catch((error: unknown) => {
        request.log.error({ err: error }, "readiness check failed");
        return false;
      });
      if (!ready) return sendError(reply, "SERVICE_UNAVAILABLE", "Database is not reachable");
      return reply.send({ success: true, data: { database: "ok" } });
    },
  );
}
