import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { checkDependencies, type DependencyCheck, type DependencyReport } from "../dependency-checks.ts";
import { errorEnvelopeOf } from "../error-responses.ts";
import { sendError } from "../replies.ts";
import { successEnvelope } from "../schemas.ts";

const checkResult = Type.Object({
  status: Type.Union([Type.Literal("up"), Type.Literal("degraded"), Type.Literal("down")]),
  required: Type.Boolean(),
  latencyMs: Type.Number(),
  detail: Type.Optional(Type.String()),
});
const report = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("degraded"), Type.Literal("not_ready")]),
  checks: Type.Record(Type.String(), checkResult),
});

/** The dependencies of a report that are required and down, by name, for the 503's message. */
function downRequired(answer: DependencyReport): string[] {
  return Object.entries(answer.checks)
    .filter(([, result]) => result.required && result.status === "down")
    .map(([name]) => name);
}

/**
 * Liveness and readiness probes, outside /api/v1 and outside the rate limits. /health answers
 * without asking anything (the process runs); /ready asks every dependency on every call, reports
 * each with its latency, and answers 503 while a required one is down.
 */
export async function healthRoutes(
  app: FastifyInstance,
  options: {
    checks: readonly DependencyCheck[];
    /** True once the instance is draining before its stop (SHUTDOWN_DELAY): /ready answers 503. */
    draining?: () => boolean;
  },
): Promise<void> {
  app.get(
    "/health",
    {
      config: { limit: "none" },
      schema: {
        response: {
          200: successEnvelope(Type.Object({ status: Type.Literal("ok") })),
          500: errorEnvelopeOf(["INTERNAL_ERROR"]),
          // Only while the instance closes: every route refuses then (refuseRequestsWhileClosing).
          503: errorEnvelopeOf(["SERVICE_UNAVAILABLE"]),
        },
      },
    },
    async () => ({ success: true, data: { status: "ok" } }),
  );

  app.get(
    "/ready",
    {
      config: { limit: "none" },
      schema: {
        response: {
          200: successEnvelope(report),
          500: errorEnvelopeOf(["INTERNAL_ERROR"]),
          503: errorEnvelopeOf(["SERVICE_UNAVAILABLE"], { data: Type.Optional(report) }),
        },
      },
    },
    async (request, reply) => {
      // Stopping: the load balancer is to send nothing new here, while what comes is still served.
      if (options.draining?.() === true)
        return sendError(reply, "SERVICE_UNAVAILABLE", "Not ready: this instance is shutting down");
      const answer = await checkDependencies(options.checks, (name, error) =>
        request.log.error({ err: error, dependency: name }, "readiness check failed"),
      );
      const down = downRequired(answer);
      if (down.length === 0) return reply.send({ success: true, data: answer });
      // The envelope of every 503, with the report beside it: which dependency, how long it took.
      return sendError(reply, "SERVICE_UNAVAILABLE", `Not ready: ${down.join(", ")} down`, { data: answer });
    },
  );
}
