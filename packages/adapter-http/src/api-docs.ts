import { createHash, randomBytes } from "node:crypto";
import swagger from "@fastify/swagger";
import { errorCodes } from "@superoauth/domain";
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyPluginOptions } from "fastify";
import { defaultErrorMessage, errorStatus } from "./error-status.ts";
import { pageSecurityHeaders } from "./pages/account-pages.ts";

/** What the API description says about this deployment. */
export interface APIDocsOptions {
  /** The service's version (apps/api's package.json). */
  readonly version: string;
  /** Where clients reach the API (APP_URL). */
  readonly serverURL: string;
  /** Loads the interactive page's plugin (Scalar) on the first request for it; tests make it fail. */
  readonly loadReferencePlugin?: () => Promise<ReferencePlugin>;
}

/**
 * Scalar's light theme with its faint grey (#8e8e8e) and green (#00935d) text darkened to a 4.5:1
 * contrast on its backgrounds (WCAG 1.4.3; axe's color-contrast found 3.2-3.9:1 on the search
 * placeholder, the client tabs, and the POST badges and JSON literals).
 */
const accessibleColors = `.light-mode {
  --scalar-color-3: #6b6b6b;
  --scalar-color-green: #00704a;
}`;

/** Scalar's Fastify plugin, as its module exports it (a type only: the module loads on demand). */
export type ReferencePlugin = typeof import("@scalar/fastify-api-reference")["default"];

const importScalar = async (): Promise<ReferencePlugin> =>
  (await import("@scalar/fastify-api-reference")).default;

/** The areas of the API, one per route file, in the order the document lists them. */
const apiAreas = [
  { name: "Sign-in", description: "Registration, password sign-in, tokens, logout and re-authentication." },
  { name: "Two-factor", description: "TOTP two-factor authentication and backup codes." },
  { name: "Email and password recovery", description: "Email verification and password reset." },
  { name: "Social sign-in", description: "Sign-in, linking and re-authentication through providers." },
  { name: "Account", description: "The signed-in user's password and account." },
  { name: "Sessions", description: "The signed-in user's sessions (devices) and security log." },
  { name: "Apps", description: "Third-party apps a user registers, and the ones they authorized." },
  { name: "Data export", description: "The signed-in user's data exports." },
  { name: "Admin", description: "Staff search and act on accounts (docs/admin.md)." },
  { name: "Operations", description: "Liveness, readiness and status, outside /api/v1." },
] as const;

/** An area's name. */
export type APIArea = (typeof apiAreas)[number]["name"];

/**
 * Registers `routes` with every route tagged `area`: the document lists tagged routes only
 * (pages, the OpenID provider and the docs themselves are left out, ADR 0029).
 */
export function inArea<Options extends FastifyPluginOptions>(
  area: APIArea,
  routes: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  return async (scope, options) => {
    scope.addHook("onRoute", (route) => {
      route.schema = { ...route.schema, tags: [area] };
    });
    await scope.register(routes, options);
  };
}

/** "GET /api/v1/apps/:clientId" becomes "getAppsByClientId": stable, unique, and a fine method name. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1/, "")
    .split(/[/.-]/)
    .filter((part) => part !== "")
    .map((part) => (part.startsWith(":") ? `by-${part.slice(1)}` : part))
    .flatMap((part) => part.split("-"))
    .filter((word) => word !== "");
  const capitalised = words.map((word) => (word[0] ?? "").toUpperCase() + word.slice(1));
  return method.toLowerCase() + capitalised.join("");
}

interface RouteErrorDeclaration {
  readonly properties?: { readonly error?: { readonly enum?: readonly string[] } };
}

/** A route that can answer UNAUTHORIZED needs a Bearer token (its declaration includes bearerErrors). */
function needsBearerToken(response: unknown): boolean {
  const unauthorized = (response as Record<string, RouteErrorDeclaration> | undefined)?.[401];
  return unauthorized?.properties?.error?.enum?.includes("UNAUTHORIZED") ?? false;
}

/**
 * Every code of the contract in one place, for clients that map codes to errors of their own;
 * operations list the ones each can answer. Only an unknown route answers NOT_FOUND, so no
 * operation lists it.
 */
const errorCodeSchema = {
  type: "string" as const,
  enum: [...errorCodes],
  description: "Every error code the API answers (docs/errors.md). An unknown route answers 404 NOT_FOUND.",
  "x-enumDescriptions": Object.fromEntries(
    errorCodes.map((code) => [code, `${errorStatus[code]}: ${defaultErrorMessage[code]}`]),
  ),
};

const retryAfterHeader = {
  type: "integer",
  minimum: 0,
  description: "Seconds to wait before trying again (RFC 9110 section 10.2.3).",
} as const;

/**
 * The headers a client acts on, by the status that always carries them (docs/api.md, "Headers on
 * every response"): the contract tells a client to wait `Retry-After` and to watch the
 * `X-RateLimit-*` headers of a 429 (docs/errors.md, RATE_LIMIT_EXCEEDED).
 */
const headersByStatus: Readonly<Record<string, Readonly<Record<string, object>>>> = {
  "423": { "Retry-After": retryAfterHeader },
  "429": {
    "Retry-After": retryAfterHeader,
    "X-RateLimit-Limit": { type: "integer", description: "Requests the route's budget allows per window." },
    "X-RateLimit-Remaining": { type: "integer", description: "Requests left in the current window." },
    "X-RateLimit-Reset": {
      type: "integer",
      description: "Unix time in seconds at which the window resets (not a number of seconds to wait).",
    },
  },
  "503": { "Retry-After": retryAfterHeader },
};

/** A route's declared responses with the headers of `headersByStatus` added to those statuses. */
function withHeaders(response: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(response).map(([status, declared]) => {
      const headers = headersByStatus[status];
      return [status, headers === undefined ? declared : { ...(declared as object), headers }];
    }),
  );
}

/**
 * Collects the routes into an OpenAPI 3.1 document (served by `serveAPIDocs`); register it before
 * any route.
 */
export async function describeAPI(app: FastifyInstance, options: APIDocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "SuperOAuth API",
        version: options.version,
        description: [
          "The JSON API of SuperOAuth. Every error is `{ success: false, error, message }`; each",
          "operation lists the codes it can answer under their status, and `docs/errors.md` gives",
          "each code's causes and what a client should do. The OpenID Connect endpoints (`/oidc/*`)",
          "speak the OAuth and OpenID Connect specifications instead; they are described by the",
          "discovery document at `/.well-known/openid-configuration`.",
        ].join(" "),
        license: { name: "MIT", identifier: "MIT" },
      },
      externalDocs: {
        description: "OpenID Connect discovery",
        url: `${options.serverURL}/.well-known/openid-configuration`,
      },
      servers: [{ url: options.serverURL }],
      tags: apiAreas.map((area) => ({ ...area })),
      components: {
        schemas: {
          ErrorCode: errorCodeSchema,
        },
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description:
              "An access token from sign-in or refresh; routes that apps may call also take an app's access token with the route's scope.",
          },
        },
      },
    },
    hideUntagged: true,
    transform: ({ schema, url, route }) => {
      // Pages (the status page) declare no responses: they are not the API.
      if (schema?.response === undefined) return { url, schema: { ...schema, hide: true } };
      const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
      return {
        url,
        schema: {
          ...schema,
          response: withHeaders(schema.response as Record<string, unknown>),
          operationId: operationIdOf(method, url),
          ...(needsBearerToken(schema?.response) ? { security: [{ bearerAuth: [] }] } : {}),
        },
      };
    },
  });
}

/** The placeholder the docs page's nonce replaces, one fresh nonce per response. */
const noncePlaceholder = "superoauth-csp-nonce";

/** The routes Scalar's plugin serves under /docs (its page, the document as JSON and YAML, its script). */
const scriptRoute = "/docs/js/scalar.js";
const referenceRoutes = ["/docs", "/docs/", "/docs/openapi.json", "/docs/openapi.yaml", scriptRoute];

/** Headers of the reference's own answers that are not passed on (the outer reply sets its own). */
const unforwardedHeaders = new Set([
  "content-length",
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
]);

/**
 * Scalar's plugin in a Fastify instance of its own, serving `document`. Scalar's module inlines
 * its 4.9 MB browser bundle as source: loading it costs about 21 MiB of memory (10 MiB of heap,
 * 9 MiB of external source), which a server that is never asked for /docs should not hold
 * (docs/performance.md, "Where the memory goes"). So it is imported on the first request.
 */
async function startReference(
  document: () => unknown,
  load: () => Promise<ReferencePlugin>,
): Promise<FastifyInstance> {
  const scalar = await load();
  const reference = Fastify({ logger: false });
  await reference.register(scalar, {
    routePrefix: "/docs",
    configuration: {
      content: document,
      pageTitle: "SuperOAuth API reference",
      nonce: noncePlaceholder,
      // Nothing from elsewhere: no web fonts from Scalar's servers, no request proxy, no agent.
      withDefaultFonts: false,
      showDeveloperTools: "never",
      proxyUrl: "",
      hideClientButton: true,
      agent: { disabled: true },
      customCss: accessibleColors,
    },
  });
  await reference.ready();
  return reference;
}

/** What the reference page shows a browser without JavaScript, instead of nothing. */
const withoutJavaScript =
  "<noscript><main><h1>SuperOAuth API reference</h1><p>This interactive reference needs JavaScript. " +
  'The API description it shows is <a href="./openapi.json">openapi.json</a> (OpenAPI 3.1): every ' +
  "route, its input, its answers and the error codes it can give.</p></main></noscript>";

/**
 * The interactive API reference at /docs (Scalar, its script served from here: no CDN), and the
 * document at /docs/openapi.json. The page runs under a CSP of its own: scripts from this origin
 * and its one inline start-up script (by a per-response nonce), styles from this origin and inline,
 * requests to this origin, nothing from elsewhere (ADR 0029). Scalar is loaded on the first request
 * for one of its routes (startReference), which are passed to it as they come.
 */
export async function serveAPIDocs(app: FastifyInstance, options: APIDocsOptions): Promise<void> {
  let reference: Promise<FastifyInstance> | undefined;
  const loadReference = () => {
    // A failed load is forgotten, so the next request tries again (this one answers 500).
    reference ??= startReference(() => app.swagger(), options.loadReferencePlugin ?? importScalar).catch(
      (error: unknown) => {
        reference = undefined;
        throw error;
      },
    );
    return reference;
  };
  app.addHook("onClose", async () => {
    await (await reference?.catch(() => undefined))?.close();
  });
  await app.register(async (docs) => {
    docs.addHook("onSend", async (request, reply, payload) => {
      if (
        request.routeOptions.url === scriptRoute &&
        (reply.statusCode === 200 || reply.statusCode === 304)
      ) {
        // The 4.9 MB script is the same for every visitor until an upgrade: a browser keeps it an
        // hour, then asks again with its ETag (304, no body). The root's no-store is for answers
        // that carry tokens or personal data; this carries neither.
        reply.header("Cache-Control", "public, max-age=3600").removeHeader("Pragma");
        return payload;
      }
      if (request.routeOptions.url !== "/docs/" || typeof payload !== "string") return payload;
      const nonce = randomBytes(16).toString("base64");
      reply.headers({
        ...pageSecurityHeaders,
        "Content-Security-Policy": [
          "default-src 'none'",
          `script-src 'self' 'nonce-${nonce}'`,
          // Scalar's components inject <style> elements and style attributes that carry no nonce.
          "style-src 'self' 'unsafe-inline'",
          "connect-src 'self'",
          "form-action 'none'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
        ].join("; "),
      });
      // Scalar's page names no language; screen readers need it (WCAG 3.1.1, axe's html-has-lang).
      // Without JavaScript it would be blank: say so, and link the document itself.
      return payload
        .replaceAll(noncePlaceholder, nonce)
        .replace(/<html(?![^>]*\slang=)/i, '<html lang="en"')
        .replace(/<body[^>]*>/i, (body) => `${body}${withoutJavaScript}`);
    });
    let scriptTag: string | undefined;
    // The script (4.9 MB) and the document (0.4 MB as JSON, 0.6 as YAML) are the same for every
    // request while the process runs. Asked of Scalar each time, every request held copies of its
    // own (the injected answer's bytes and text, then the bytes sent: 50 requests for the script
    // whose sender read nothing held 1.4 GB). Kept as the bytes Scalar answered, they are one copy
    // that every response shares, and Scalar is asked once.
    const kept = new Map<string, { headers: Record<string, string | number | string[]>; body: Buffer }>();
    for (const url of referenceRoutes) {
      docs.get(url, { schema: { hide: true } }, async (request, reply) => {
        if (
          url === scriptRoute &&
          scriptTag !== undefined &&
          request.headers["if-none-match"] === scriptTag
        ) {
          return reply.code(304).header("ETag", scriptTag).send();
        }
        const same = kept.get(url);
        if (same !== undefined) {
          if (url === scriptRoute && scriptTag !== undefined) reply.header("ETag", scriptTag);
          return reply.code(200).headers(same.headers).send(same.body);
        }
        const answer = await (await loadReference()).inject({ method: "GET", url: request.url });
        if (url === scriptRoute && answer.statusCode === 200) {
          scriptTag ??= `"${createHash("sha256").update(answer.rawPayload).digest("base64url").slice(0, 27)}"`;
          reply.header("ETag", scriptTag);
        }
        const headers: Record<string, string | number | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !unforwardedHeaders.has(name)) headers[name] = value;
        }
        // The page is text to the hook above (its nonce, its language); it is small, and not kept.
        if (url === "/docs" || url === "/docs/")
          return reply.code(answer.statusCode).headers(headers).send(answer.body);
        if (answer.statusCode === 200) kept.set(url, { headers, body: answer.rawPayload });
        return reply.code(answer.statusCode).headers(headers).send(answer.rawPayload);
      });
    }
  });
}
