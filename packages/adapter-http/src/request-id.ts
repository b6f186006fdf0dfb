import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { compile } from "@fastify/proxy-addr";
import type { FastifyInstance } from "fastify";
import type { TrustProxy } from "./app.ts";

/** The header that carries a request's id, in and out. */
export const requestIdHeader = "x-request-id";

/**
 * An id we take from a proxy: bounded, and only characters that cannot break a log line or a
 * header (UUIDs, ULIDs, hex trace ids, `req-1`).
 */
const wellFormedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Whether the peer (the socket's other end) is one of our proxies by TRUST_PROXY: a hop count
 * trusts the peer (hop 0) when at least 1, an address list when the peer is on it.
 */
function peerTrustOf(trustProxy: TrustProxy): (address: string) => boolean {
  if (typeof trustProxy === "boolean") return () => trustProxy;
  if (typeof trustProxy === "number") return () => trustProxy >= 1;
  const trusted = compile([...trustProxy]);
  return (address) => trusted(address, 0);
}

/**
 * Fastify's `genReqId`: the incoming X-Request-Id when a trusted proxy sent a well-formed one (so
 * one id follows a request through the proxy's logs and ours), else a new random UUID. A client
 * that reaches us directly cannot choose the id its request is logged under.
 */
export function requestIdGenerator(trustProxy: TrustProxy): (request: IncomingMessage) => string {
  const peerIsTrusted = peerTrustOf(trustProxy);
  return (request) => {
    const incoming = request.headers[requestIdHeader];
    const address = request.socket?.remoteAddress;
    if (
      typeof incoming === "string" &&
      wellFormedRequestId.test(incoming) &&
      address !== undefined &&
      peerIsTrusted(address)
    )
      return incoming;
    return randomUUID();
  };
}

/** The id of the request whose work is running, across its awaits (the rest of onRequest on). */
const requestIds = new AsyncLocalStorage<string>();

/**
 * The id of the request being handled, for log lines written away from its logger (the database's
 * statements, mail, calls to providers); undefined outside a request (a background job, start-up).
 */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

/**
 * Every response says its request's id in X-Request-Id, also those another adapter writes to the
 * raw response (set on it first thing) and the router's refusals (set again as the reply is sent).
 * With `keepContext`, the request's work runs with its id at hand from its first hook on
 * (currentRequestId): about 15 µs of server CPU per request on the 2-core machine (5 % of
 * `/auth/me`), so only when something reads it (DEBUG naming an area that logs during requests).
 */
export function echoRequestIds(app: FastifyInstance, options: { keepContext?: boolean } = {}): void {
  app.addHook(
    "onRequest",
    options.keepContext === true
      ? (request, reply, done) => {
          reply.raw.setHeader(requestIdHeader, request.id);
          requestIds.run(request.id, done);
        }
      : (request, reply, done) => {
          reply.raw.setHeader(requestIdHeader, request.id);
          done();
        },
  );
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header(requestIdHeader, request.id);
    return payload;
  });
}
