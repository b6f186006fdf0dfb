import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, FastifyServerOptions } from "fastify";

/**
 * What a request log line says about the request: the path without its query
 * string. OAuth callbacks carry the authorization code and state in the query,
 * and a log must never hold them (nor anything else a client puts there).
 */
function describeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.split("?")[0],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Gives each request's logger the query-free request serializer, whichever logger the app was given. */
export const childLoggerWithoutQueries: NonNullable<FastifyServerOptions["childLoggerFactory"]> = (
  logger: FastifyBaseLogger,
  bindings,
  childOptions,
) =>
  logger.child(bindings, {
    ...childOptions,
    serializers: { ...childOptions.serializers, req: describeRequest },
  });

/**
 * With DEBUG=superoauth:http, each request's headers at debug level (the logger's redaction
 * hides `authorization`, `cookie` and `referer`); nothing is built at other levels.
 */
export function logRequestHeaders(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (request.log.level === "debug" || request.log.level === "trace")
      request.log.debug({ headers: request.headers }, "request headers");
  });
}
