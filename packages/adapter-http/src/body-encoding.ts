import type { FastifyReply, FastifyRequest } from "fastify";
import { sendError } from "./replies.ts";

/** The charset parameter of a Content-Type header, lower-cased; undefined without one. */
function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1]?.toLowerCase();
}

/**
 * Refuses an API request body the JSON parser would misread rather than refuse: one sent
 * compressed (`Content-Encoding`; the body would be parsed as if it were not, or fail as "not
 * valid JSON") or in a charset other than UTF-8 (parsed as UTF-8 regardless, so `charset=utf-16`
 * or `latin1` text would arrive garbled). RFC 8259 section 8.1: JSON between systems is UTF-8.
 * Both are `400 VALIDATION_ERROR`, answered before the body is read. An onRequest hook of the
 * API's routes that take a body (app.ts): a route that reads none ignores one, so nothing of it
 * could be misread; the OpenID endpoints and pages answer in their own forms.
 */
export async function refuseUnreadableBodies(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { headers } = request;
  const hasBody = headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? 0) > 0;
  if (!hasBody) return;
  const encoding = headers["content-encoding"]?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
    await sendError(
      reply,
      "VALIDATION_ERROR",
      "Request bodies are not accepted compressed: send it without Content-Encoding",
    );
    return;
  }
  const charset = charsetOf(headers["content-type"]);
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    await sendError(reply, "VALIDATION_ERROR", "JSON must be sent in UTF-8 (charset=utf-8)");
  }
}
