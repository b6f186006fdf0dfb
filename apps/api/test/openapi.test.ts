import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { errorCodes } from "@superoauth/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { renderOpenAPIDocument } from "../src/openapi-document.ts";

// docs/openapi.json is what integrators (and the typed client) read without running the service:
// it must be the composed service's own description, valid OpenAPI 3.1, and name every error code.

const committedPath = join(import.meta.dirname, "..", "..", "..", "docs", "openapi.json");

interface Operation {
  readonly operationId: string;
  readonly security?: unknown;
  readonly requestBody?: unknown;
  readonly parameters?: unknown[];
  readonly responses: Record<
    string,
    { content?: Record<string, { schema?: ErrorSchema }>; headers?: Record<string, unknown> }
  >;
}
interface ErrorSchema {
  readonly properties?: { readonly error?: { readonly enum?: string[] } };
}
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: { readonly ErrorCode: { readonly enum: string[] } } };
}

let rendered: string;
let document: Document;
beforeAll(async () => {
  rendered = await renderOpenAPIDocument();
  document = JSON.parse(rendered) as Document;
});

/** "POST /api/v1/auth/login" with the operation. */
function operations(): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

/** The codes an operation declares, by status. */
function declaredCodes(operation: Operation): Map<string, string[]> {
  return new Map(
    Object.entries(operation.responses).map(([status, response]) => [
      status,
      response.content?.["application/json"]?.schema?.properties?.error?.enum ?? [],
    ]),
  );
}

describe("docs/openapi.json", () => {
  it("is what pnpm openapi makes of the current routes", () => {
    const committed = readFileSync(committedPath, "utf8");

    expect(committed === rendered, "docs/openapi.json is stale: run pnpm openapi").toBe(true);
  });

  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(rendered) as Record<string, unknown>);

    expect(result.errors ?? []).toStrictEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("names every error code: operations declare all but NOT_FOUND and METHOD_NOT_ALLOWED, which only an undeclared method or path answers, and UNSUPPORTED_MEDIA_TYPE, which only the pages' forms answer", () => {
    const declared = new Set(
      operations().flatMap(([, operation]) => [...declaredCodes(operation).values()].flat()),
    );

    expect(errorCodes.filter((code) => !declared.has(code))).toStrictEqual([
      "NOT_FOUND",
      "METHOD_NOT_ALLOWED",
      "UNSUPPORTED_MEDIA_TYPE",
    ]);
    expect(document.components.schemas.ErrorCode.enum).toStrictEqual([...errorCodes]);
  });

  it("describes the JSON API and its probes, and nothing else (pages, the OpenID provider, the docs)", () => {
    const paths = Object.keys(document.paths);

    expect(paths.filter((path) => !path.startsWith("/api/v1/"))).toStrictEqual([
      "/health",
      "/ready",
      "/status.json",
    ]);
    expect(paths).toContain("/api/v1/auth/login");
  });

  it("lists no 429 for the probes, which no rate limit applies to, and 429 for a limited route", () => {
    const statusesOf = (path: string, method: string) =>
      Object.keys(document.paths[path]?.[method]?.responses ?? {});
    for (const probe of ["/health", "/ready", "/status.json"])
      expect(statusesOf(probe, "get"), probe).not.toContain("429");
    expect(statusesOf("/api/v1/auth/login", "post")).toContain("429");
  });

  it("documents the headers a client waits on: Retry-After on every 423, 429 and 503, and the X-RateLimit-* headers on every 429", () => {
    const expected: Record<string, string[]> = {
      "423": ["Retry-After"],
      "429": ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
      "503": ["Retry-After"],
    };
    let checked = 0;
    for (const [route, operation] of operations()) {
      for (const [status, names] of Object.entries(expected)) {
        const response = operation.responses[status];
        if (response === undefined) continue;
        checked += 1;
        expect({ route, status, headers: Object.keys(response.headers ?? {}) }).toStrictEqual({
          route,
          status,
          headers: names,
        });
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("gives each operation a unique operationId, and a Bearer requirement exactly where it can answer UNAUTHORIZED", () => {
    const ids = operations().map(([, operation]) => operation.operationId);

    expect(new Set(ids).size).toBe(ids.length);
    for (const [route, operation] of operations()) {
      const unauthorized = declaredCodes(operation).get("401")?.includes("UNAUTHORIZED") ?? false;
      expect({ route, security: operation.security !== undefined }).toStrictEqual({
        route,
        security: unauthorized,
      });
    }
    expect(operations().filter(([, operation]) => operation.security !== undefined).length).toBeGreaterThan(
      30,
    );
  });

  it("lists the body errors on every route Fastify reads a body for, and VALIDATION_ERROR wherever there is input", () => {
    for (const [route, operation] of operations()) {
      const codes = [...declaredCodes(operation).values()].flat();
      const readsBody = !route.startsWith("GET ");
      const hasInput = readsBody || (operation.parameters?.length ?? 0) > 0;
      expect({ route, PAYLOAD_TOO_LARGE: codes.includes("PAYLOAD_TOO_LARGE") }).toStrictEqual({
        route,
        PAYLOAD_TOO_LARGE: readsBody,
      });
      expect({ route, VALIDATION_ERROR: codes.includes("VALIDATION_ERROR") }).toStrictEqual({
        route,
        VALIDATION_ERROR: hasInput,
      });
    }
  });
});
