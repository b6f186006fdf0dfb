import type { FastifyInstance } from "fastify";
import { afterEach, expect } from "vitest";

// Each route declares the error codes it answers (errorsOf, src/error-responses.ts), and those
// declarations are the OpenAPI document's promise to clients. This keeps the promise: every app
// the tests build records each error a route answers that its declaration does not list, and the
// test that made it fails (see the afterEach below). The replies themselves are left as they are,
// so a test's own assertions still run.

const undeclared: string[] = [];

interface DeclaredResponse {
  readonly properties?: { readonly error?: { readonly enum?: readonly string[] } };
}

/** The codes a route's declaration lists for this status (exact, then `4xx`-style), or null. */
function declaredCodes(
  responses: Record<string, DeclaredResponse>,
  status: number,
): readonly string[] | null {
  const schema = responses[String(status)] ?? responses[`${String(status)[0]}xx`];
  return schema?.properties?.error?.enum ?? null;
}

/** Records, on `app`, each error answer its route's declaration does not list. */
export function recordUndeclaredErrors(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    const responses = request.routeOptions.schema?.response as Record<string, DeclaredResponse> | undefined;
    // Unrouted requests (404) and routes that declare no responses (other adapters' pages) are not ours to check.
    if (reply.statusCode < 400 || responses === undefined || typeof payload !== "string") return payload;
    let code: unknown;
    try {
      code = (JSON.parse(payload) as { error?: unknown }).error;
    } catch {
      code = "(not JSON)";
    }
    const declared = declaredCodes(responses, reply.statusCode);
    if (declared === null || !declared.includes(String(code))) {
      undeclared.push(`${request.method} ${request.routeOptions.url}: ${reply.statusCode} ${String(code)}`);
    }
    return payload;
  });
}

/** The undeclared answers recorded since the last call (the check below, and its own test). */
export function takeUndeclaredErrors(): string[] {
  return undeclared.splice(0);
}

afterEach(() => {
  expect(
    takeUndeclaredErrors(),
    "errors answered that the route's declaration (errorsOf) does not list",
  ).toStrictEqual([]);
});
