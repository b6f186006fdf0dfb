// The shapes adapter-web shares with the other adapters. Those it shares with adapter-oidc (the
// OpenID Connect provider: its interactions, its pages, the browser session) are application ports
// (`ports/oidc-interactions.ts`, ADR 0063), bound here to Node's request and response; the two
// adapters cannot import each other, and the composition root wires one into the other.
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  OAuthAuthorizationStarted,
  OIDCBrowserSessions,
  OIDCInteractions,
} from "@superoauth/application";
import type { FastifyReply } from "fastify";

/** The provider's side of an interaction (implemented by adapter-oidc). */
export type Interactions = OIDCInteractions<IncomingMessage, ServerResponse>;

/** The hosted pages' browser session, as the provider asks for it (implemented here). */
export type BrowserSessions = OIDCBrowserSessions<IncomingMessage, ServerResponse>;

/**
 * adapter-http's trips to a provider, for the account center: a page starts linking or a fresh
 * proof through a provider with the use case, and this keeps the trip in the cookies the API's
 * callback reads, which sends the browser back to `returnTo` (`?linked=`, `?reauthenticated=` or
 * `?error=<CODE>`). Wired by the composition root (adapter-http's `createHostedProviderTrips`).
 */
export interface ProviderTrips {
  /** Sets the trip's cookies; false when they cannot be signed (no COOKIE_SECRET): nothing can start. */
  keep(reply: FastifyReply, input: { started: OAuthAuthorizationStarted; returnTo: string }): boolean;
}

/** How one part of the service stands on the public status page. */
export type ServiceHealth = "up" | "degraded" | "down";

/** What adapter-http's `/status` shows (its `/status.json` data), for the page that shows it. */
export interface ServiceStatusView {
  readonly status: ServiceHealth;
  /** When it was checked (ISO 8601). */
  readonly updatedAt: string;
  readonly notice: string | null;
  readonly components: readonly {
    readonly name: string;
    readonly label: string;
    readonly status: ServiceHealth;
  }[];
}

/**
 * adapter-http's pages for a person's browser outside any area (the public status page and the 404
 * page), in the hosted pages' look: adapter-http computes what they show and sends them with
 * `headers`; adapter-web renders them (`createServicePages`, wired by the composition root).
 */
export interface ServicePages {
  /** The headers every such page is sent with (the strict CSP and its companions). */
  readonly headers: Readonly<Record<string, string>>;
  status(status: ServiceStatusView): string;
  notFound(): string;
}
