import type { ServiceStatus } from "../routes/status.ts";

/**
 * This adapter's pages for a person's browser outside any area: the public status page and the 404
 * page. Rendered in the hosted pages' look by adapter-web (its `createServicePages`, the same shape;
 * adapters cannot import each other) and wired by the composition root. Without them the service
 * answers `/status.json` and the JSON 404 only.
 */
export interface ServicePages {
  /** The headers every such page is sent with (the strict CSP and its companions). */
  readonly headers: Readonly<Record<string, string>>;
  status(status: ServiceStatus): string;
  notFound(): string;
}

/** Whether a request that found no route came from a person's browser, outside the API and the provider. */
export function wantsPage(accept: string | undefined, path: string): boolean {
  if (path.startsWith("/api/") || path.startsWith("/oidc/") || path.startsWith("/.well-known/")) return false;
  return (accept ?? "").includes("text/html");
}
