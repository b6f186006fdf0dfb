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
 * Headers that carry credentials or where the client came from: never written out, whatever the
 * logger. A DPoP proof (RFC 9449) is a signed token bound to the request: the service's logger
 * redacts it too, but a logger given by a caller may not.
 */
const secretHeaders = new Set(["authorization", "cookie", "dpop", "proxy-authorization", "referer"]);

/**
 * With DEBUG=superoauth:http, each request's headers at debug level, credentials replaced here
 * (not left to the logger's redaction, which a logger given by a caller may lack); nothing is
 * built at other levels.
 */
export function logRequestHeaders(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (request.log.level !== "debug" && request.log.level !== "trace") return;
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        secretHeaders.has(name) ? "[redacted]" : value,
      ]),
    );
    request.log.debug({ headers }, "request headers");
  });
}
