import { unavailableRetryAfterSeconds } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { sendError } from "./replies.ts";

/**
 * Why the service cannot serve yet (migrations pending: ADR 0046), or null once it can. Asked on
 * every request until it first answers null; the caller caches its own checks.
 */
export type StartGate = () => Promise<string | null>;

/**
 * Holds every request back with a 503 and `Retry-After` while `gate` says the service cannot serve
 * (a schema this code expects is not there yet, so every statement would fail as a 500 that reads
 * like a bug). The routes that report on the service (`/health`, `/ready`, `/status`, `/metrics`:
 * those outside the rate limits) still answer, so the load balancer and the operator see why. The
 * protocol endpoints answer in their own format (their `limitReply`). Once the gate opens it is
 * never asked again.
 */
export function holdRequestsUntilOpen(app: FastifyInstance, gate: StartGate): void {
  let open = false;
  app.addHook("onRequest", async (request, reply) => {
    if (open || request.routeOptions.config.limit === "none") return;
    const reason = await gate();
    if (reason === null) {
      open = true;
      return;
    }
    reply.header("Retry-After", String(unavailableRetryAfterSeconds));
    const limitReply = request.routeOptions.config.limitReply;
    if (limitReply !== undefined) {
      await limitReply(reply, { code: "SERVICE_UNAVAILABLE", reason: `Not ready: ${reason}` });
      return reply;
    }
    return sendError(reply, "SERVICE_UNAVAILABLE", `Not ready: ${reason}`);
  });
}

/**
 * While the app closes (SIGTERM: requests in flight finish), a request that still arrives on an
 * open keep-alive connection (a load balancer's pooled one) gets the contract's 503: the envelope,
 * or the protocol's format under /oidc, with `Retry-After` and `Connection: close`. Fastify's own
 * answer (`return503OnClosing`) was `{"error":"Service Unavailable",...}` without either header.
 *
 * The answers of the requests in flight when the close began say `Connection: close` too, and
 * their connections end with them. Fastify closes only the connections idle at that moment, and
 * Node kept the others alive after their answer: the close (and the process's exit) waited until
 * the client sent another request there (which met the 503 above, passed on by a load balancer to
 * its user) or closed it, up to the keep-alive timeout (72 s), past `docker stop`'s 10 s.
 */
export function refuseRequestsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  let reaper: NodeJS.Timeout | undefined;
  app.addHook("preClose", async () => {
    closing = true;
    // An answer streamed since before the close (a download) sent its headers already: its
    // connection is closed once idle, as the others were when the close began.
    reaper = setInterval(() => app.server.closeIdleConnections(), 250);
    reaper.unref();
  });
  app.addHook("onClose", async () => {
    clearInterval(reaper);
  });
  // A callback hook reading a flag, as below.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) reply.header("Connection", "close");
    done(null, payload);
  });
  // A callback hook, not an async one: on every request of a running service it only reads a flag,
  // and an async hook would cost each request a promise and a turn of the microtask queue (6 % of
  // `/auth/me`'s server time, measured).
  app.addHook("onRequest", (request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    const reason = "The service is shutting down; retry in a moment";
    reply.header("Connection", "close").header("Retry-After", String(unavailableRetryAfterSeconds));
    const limitReply = request.routeOptions.config.limitReply;
    const answered =
      limitReply === undefined
        ? sendError(reply, "SERVICE_UNAVAILABLE", reason)
        : limitReply(reply, { code: "SERVICE_UNAVAILABLE", reason });
    // The reply is sent: the request goes no further (done is not called).
    void Promise.resolve(answered).catch((error: unknown) =>
      request.log.error({ err: error }, "refusal failed"),
    );
  });
}
