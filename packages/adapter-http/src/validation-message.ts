import type { FastifyError } from "fastify";

/** Turns the first schema failure into a sentence that names the field. */
export function describeValidationError(error: FastifyError): string {
  const first = error.validation?.[0];
  if (first === undefined) return "Request validation failed";
  const params = first.params as Record<string, unknown>;
  const path = first.instancePath.replace(/^\//, "").replaceAll("/", ".");
  const field = first.keyword === "required" ? String(params.missingProperty) : path;
  const subject = field === "" ? `Request ${error.validationContext ?? "body"}` : field;
  switch (first.keyword) {
    case "required":
      return `${subject} is required`;
    case "type":
      // A query parameter is text, or a list when it is repeated (`?limit=10&limit=20`).
      return error.validationContext === "querystring"
        ? `${subject} must be given once`
        : `${subject} must be of type ${String(params.type)}`;
    case "maxLength":
      return `${subject} must be at most ${String(params.limit)} characters`;
    case "minLength":
      return `${subject} must be at least ${String(params.limit)} characters`;
    default:
      return `${subject} ${first.message ?? "is invalid"}`;
  }
}
