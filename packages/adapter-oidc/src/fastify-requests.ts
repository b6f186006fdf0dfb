import type { IncomingMessage } from "node:http";
import type { FastifyBaseLogger, FastifyRequest } from "fastify";

// What the library's handlers know of a request is Node's raw one; what Fastify made of it (its
// id, its logger, the client's address as TRUST_PROXY reads it) is found here by it. Its own
// module: the provider's settings and its middleware read it, and mountProvider fills it.

/** The Fastify request each raw request handed to the library came with, for its logger. */
const fastifyRequests = new WeakMap<IncomingMessage, FastifyRequest>();

/**
 * The logger of the Fastify request behind a raw request the library is answering: its lines
 * carry the request's id, as every other request's do. Undefined for a request that did not come
 * through mountProvider.
 */
export function requestLogOf(request: IncomingMessage): FastifyBaseLogger | undefined {
  return fastifyRequests.get(request)?.log;
}

/**
 * What an error page of the library's gives the person to quote for `error`: the request's id
 * (its log lines carry it) for a failure of ours, `server_error`; null for a refusal, which the
 * page explains itself.
 */
export function failureReferenceOf(request: IncomingMessage, error: string): string | null {
  return error === "server_error" ? (fastifyRequests.get(request)?.id ?? null) : null;
}

/** The client's address as Fastify read it (TRUST_PROXY); undefined outside mountProvider. */
export function clientAddressOf(request: IncomingMessage): string | undefined {
  return fastifyRequests.get(request)?.ip;
}

/** Called by mountProvider for each request it hands to the library. */
export function rememberFastifyRequest(request: FastifyRequest): void {
  fastifyRequests.set(request.raw, request);
}
