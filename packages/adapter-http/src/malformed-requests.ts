import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

/** What Node's HTTP parser reports, as Fastify's `clientErrorHandler` receives it. */
type ClientError = Error & { readonly code?: string };

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it: headers over Node's size
 * limit (16 KiB), a malformed request line or header (a control character, a bad chunk size,
 * both Transfer-Encoding and Content-Length). Fastify's default answer is its own JSON shape; this
 * is the contract's envelope, `400 VALIDATION_ERROR`, so a client sees one shape whatever refused
 * it. Header overflow is a 400 too, as nginx answers it, rather than 431: the contract gives
 * VALIDATION_ERROR one status. A client too slow to send its headers (60 s) or its whole request
 * (`requestTimeoutMs`, app.ts) gets `408` and no body (no
 * code of the contract fits, and such a client is rarely reading). The connection is closed: the
 * parser cannot tell where the next request would start. Like every answer, it says its request's
 * id (a new one: the request's own headers were not read) and is not to be cached. Nothing is
 * written when the request was answered already (a 404, 413 or 429 sent before its body was read,
 * the body then turning out malformed or never ending): a second answer would be one to a request
 * the client never made, which a proxy reusing the connection would hand to its next request.
 */
export function answerMalformedRequest(error: ClientError, socket: Socket): void {
  // A reset connection (https://nodejs.org/api/http.html#event-clienterror) has no one to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  if (socket.writable && !answerStarted(socket)) {
    const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    const status = timedOut ? 408 : 400;
    const body = timedOut
      ? ""
      : JSON.stringify({
          success: false,
          error: "VALIDATION_ERROR",
          message:
            error.code === "HPE_HEADER_OVERFLOW" ? "Request headers are too large" : "Malformed HTTP request",
        });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        "Connection: close\r\n" +
        `X-Request-Id: ${randomUUID()}\r\n` +
        "Cache-Control: no-store\r\n" +
        (timedOut ? "" : "Content-Type: application/json; charset=utf-8\r\n") +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Whether the request the parser was reading when it failed has an answer already: its headers
 * were read (the parser holds it as `incoming`) and its response has begun, or has been sent and
 * detached from the socket. Node's own clientError answer checks only the response in flight
 * (lib/_http_server.js, socketOnError), so it too answers twice after a finished response.
 */
function answerStarted(socket: Socket): boolean {
  const internals = socket as Socket & {
    readonly parser?: { readonly incoming?: object | null } | null;
    readonly _httpMessage?: { readonly headersSent?: boolean } | null;
  };
  if (internals.parser?.incoming == null) return false;
  const response = internals._httpMessage;
  return response == null || response.headersSent === true;
}
