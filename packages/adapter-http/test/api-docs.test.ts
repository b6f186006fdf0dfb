import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, HTTPMethods } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "./test-app.ts";

// docs/api.md promises to describe every route: this keeps the promise when routes are added,
// renamed or removed.

const routesDirectory = join(import.meta.dirname, "..", "src", "routes");
const docsPath = join(import.meta.dirname, "..", "..", "..", "docs", "api.md");
/** Route files registered at the root rather than under /api/v1 (see app.ts). */
const rootRouteFiles = new Set(["health.ts", "pages.ts", "status.ts"]);
const rootPaths = new Set([
  "/health",
  "/ready",
  "/status",
  "/status.json",
  "/verify-email",
  "/reset-password",
  "/confirm-email",
  "/oauth/complete",
  "/oauth/start/:provider",
  "/docs",
  "/docs/openapi.json",
]);

/** "POST /api/v1/auth/login" for every route the route files declare. */
function declaredRoutes(): string[] {
  const routes: string[] = [];
  for (const file of readdirSync(routesDirectory).filter((name) => name.endsWith(".ts"))) {
    const source = readFileSync(join(routesDirectory, file), "utf8");
    const prefix = rootRouteFiles.has(file) ? "" : "/api/v1";
    for (const match of source.matchAll(/\b(?:api|app)\.(get|post|put|patch|delete)\(\s*"([^"]+)"/g)) {
      routes.push(`${(match[1] ?? "").toUpperCase()} ${prefix}${match[2]}`);
    }
    for (const match of source.matchAll(/\bserve\(\s*"([^"]+)"/g)) routes.push(`GET ${match[1]}`);
  }
  return [...new Set(routes)].sort();
}

/** The "Route summary" section: the table a reader scans for a route, its auth, budget and status. */
function routeSummary(): string {
  const markdown = readFileSync(docsPath, "utf8");
  const start = markdown.indexOf("\n## Route summary\n");
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end === -1 ? undefined : end).trim();
}

/** Every `METHOD /path` the document (or a part of it) names, with /api/v1 added where the text leaves it out. */
function documentedRoutes(markdown = readFileSync(docsPath, "utf8")): string[] {
  const routes = [...markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)/g)].map(
    ([, method, path]) => {
      const full =
        path === undefined || path.startsWith("/api/") || rootPaths.has(path) || path.startsWith("/assets/")
          ? path
          : `/api/v1${path}`;
      return `${method} ${full}`;
    },
  );
  return [...new Set(routes)].sort();
}

let app: FastifyInstance;
beforeAll(async () => {
  ({ app } = await buildTestApp({ apiDocs: { version: "0.0.0", serverURL: "http://localhost:3000" } }));
});
afterAll(async () => app.close());

describe("docs/api.md", () => {
  it("finds the routes it checks (a check that reads nothing cannot fail)", () => {
    expect(declaredRoutes().length).toBeGreaterThan(25);
    expect(declaredRoutes()).toContain("POST /api/v1/auth/login");
  });

  it("describes every route the app declares", () => {
    const documented = new Set(documentedRoutes());

    expect(declaredRoutes().filter((route) => !documented.has(route))).toStrictEqual([]);
  });

  it("lists every route the app declares in its route summary, as one table", () => {
    const summary = routeSummary();
    const listed = new Set(documentedRoutes(summary));
    // After the heading, only table rows: a blank line would end the table, and the rows after it
    // would render as text without a header.
    const firstRow = summary.split("\n").findIndex((line) => line.startsWith("|"));

    expect(listed.size).toBeGreaterThan(25);
    expect(declaredRoutes().filter((route) => !listed.has(route))).toStrictEqual([]);
    expect(
      summary
        .split("\n")
        .slice(firstRow)
        .filter((line) => !line.startsWith("|")),
    ).toStrictEqual([]);
  });

  it("names only routes that exist", () => {
    const missing = documentedRoutes().filter((route) => {
      const [method = "", url = ""] = route.split(" ");
      return !app.hasRoute({ method: method as HTTPMethods, url });
    });

    expect(missing).toStrictEqual([]);
  });
});
