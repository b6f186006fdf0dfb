import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";

/** How long a browser may reuse a preflight's answer, in seconds (Chromium caps it at 2 h). */
const preflightMaxAgeSeconds = 600;

/**
 * Cross-origin calls to the JSON API from the web apps at `origins` (CORS_ORIGINS, exact origins):
 * a front end on its own origin calls `/api/v1` with bearer tokens and, with `credentials:
 * "include"`, the service's cookies (the device cookie, the social sign-in's state cookie).
 * Nothing else is opened: the hosted pages are not for other origins, and `/oidc` answers CORS
 * itself (the library's, for the registered apps' origins). Registered before the rate limits, so
 * a 429 or a 503 carries the headers too and the browser lets the app read its `Retry-After`
 * (otherwise the app would see a network error). A preflight is answered here and counts against
 * no budget; a request from an origin not listed, or naming none, gets no CORS headers (the browser
 * refuses the call) and its preflight the 404 envelope, as without CORS_ORIGINS.
 */
export async function allowCrossOriginAPICalls(
  app: FastifyInstance,
  origins: readonly string[],
): Promise<void> {
  if (origins.length === 0) return;
  const allowed = {
    origin: [...origins],
    credentials: true,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["authorization", "content-type", "accept", "x-request-id"],
    // Not safelisted, and what a client acts on: when to retry, which request to quote, why refused.
    // The data export's download adds its file name and checksums (the SDK reads them).
    exposedHeaders: [
      "retry-after",
      "x-request-id",
      "www-authenticate",
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-reset",
      "content-disposition",
      "x-content-sha256",
      "repr-digest",
    ],
    maxAge: preflightMaxAgeSeconds,
  };
  // An OPTIONS that is not a preflight (no Origin, or no Access-Control-Request-Method: a client
  // asking what a path allows, a proxy's probe) is no CORS request: the plugin's strict mode would
  // answer it 400 in plain text; it gets the 404 envelope, as it does without CORS_ORIGINS.
  const notPreflight = { ...allowed, preflight: false };
  const listed = new Set(origins);
  await app.register(cors, {
    delegator: (request, callback) => {
      // The plugin leaves out only Allow-Origin for an origin not listed: it would still write
      // Allow-Credentials and Expose-Headers, and answer the preflight 204 with the methods and
      // headers. Only a listed origin gets any of it.
      const origin = request.headers.origin;
      if (!request.url.startsWith("/api/v1/") || origin === undefined || !listed.has(origin)) {
        return callback(null, { origin: false });
      }
      const isPreflight =
        request.method !== "OPTIONS" || request.headers["access-control-request-method"] !== undefined;
      callback(null, isPreflight ? allowed : notPreflight);
    },
  });
}
