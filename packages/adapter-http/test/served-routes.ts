import type { FastifyInstance } from "fastify";

/** "GET /health" etc. for every route the app serves, read from Fastify's own route tree. */
export function servedRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const match = /^([│ ]*)[├└]── (.*?) \(([^)]*)\)$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? "").length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? "") + (match[2] ?? "");
    stack.push(path);
    for (const method of (match[3] ?? "").split(", ")) if (method !== "-") routes.push(`${method} ${path}`);
  }
  return routes;
}
