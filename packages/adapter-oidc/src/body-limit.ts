import type { IncomingMessage } from "node:http";

/**
 * The largest request body the provider reads (docs/oidc.md, "Limits"). The library's own limit
 * is 56 KB (lib/shared/selective_body.js), and a device code or pushed request keeps what the
 * body held: about 56 KB a record for anyone who can name a public app. Our endpoints need far
 * less: request objects, the `claims` parameter and signed client assertions are off, so the
 * largest legitimate body is a pushed authorization request (a 2,000-character redirect URI, the
 * app's `state` and `nonce`, a PKCE challenge, a few scopes and hints): a few KB.
 */
export const oidcBodyLimitBytes = 16 * 1024;

/** Said to the client whose body is over the limit (RFC 6749 has no code of its own for it). */
export const bodyTooLargeDescription = `the request body is larger than ${oidcBodyLimitBytes} bytes`;

/** What `limitBody` found of a request's body. */
export interface BodyLimit {
  /** The body's declared length (Content-Length) is over the limit: refuse before reading. */
  readonly declaredTooLarge: boolean;
  /** A body of undeclared length (chunked) went over the limit while the library read it. */
  readonly exceeded: () => boolean;
}

/**
 * Applies `limit` to a request's body. A declared length over it is reported at once; a body
 * without one is read (by the library, which iterates the request) through a count that fails the
 * read once it passes the limit: the library answers that 400 `invalid_request`, which the caller
 * turns into the 413 a declared one gets.
 */
export function limitBody(request: IncomingMessage, limit: number): BodyLimit {
  const declared = request.headers["content-length"];
  if (declared !== undefined) {
    const length = Number(declared);
    return { declaredTooLarge: Number.isFinite(length) && length > limit, exceeded: () => false };
  }
  let exceeded = false;
  const read = request.iterator.bind(request);
  request.iterator = async function* limited(options) {
    let received = 0;
    for await (const chunk of read(options)) {
      received += (chunk as Buffer).length;
      if (received > limit) {
        exceeded = true;
        throw new Error("request entity too large");
      }
      yield chunk;
    }
  } as typeof request.iterator;
  return { declaredTooLarge: false, exceeded: () => exceeded };
}
