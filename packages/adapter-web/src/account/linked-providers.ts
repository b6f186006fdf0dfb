import type { UseCases } from "@superoauth/application";
import { oauthProviderNames } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { clientOf } from "../client.ts";
import type { ProviderTrips } from "../contracts.ts";
import { providerTripFailure } from "../pages/sign-in-steps.ts";
import type { PageContext, SignedInArea } from "../pages/signed-in-area.ts";
import { interactionFormTargets } from "../security-headers.ts";
import { shownTime } from "./present.ts";

/**
 * Where a form that starts a trip to a provider may lead: the provider's https page (the CSP's
 * form-action is checked on the redirect too), or a loopback one in development and tests.
 */
export const providerFormTargets = interactionFormTargets;

/** Where a linking trip comes back (allowed by adapter-http's `returnTargetPattern`). */
const linkedReturnPath = "/account/providers/linked";

/**
 * Keeps a trip to a provider that a use case started in this browser's cookies (then 303 to its
 * `authorizationURL`), or OAUTH_INIT_FAILED when no trip can start (no COOKIE_SECRET).
 */
export function keepTrip(
  page: PageContext,
  trips: ProviderTrips,
  input: Parameters<ProviderTrips["keep"]>[1],
): { error: "OAUTH_INIT_FAILED" } | null {
  return trips.keep(page.reply, input) ? null : { error: "OAUTH_INIT_FAILED" };
}

/** The failure a provider's trip came back with (`?error=<CODE>`): the table's status and words only. */
export function tripFailure(query: unknown): { status: number; message: string } | null {
  const error = (query as Record<string, unknown>).error;
  if (typeof error !== "string") return null;
  return providerTripFailure(query) ?? { status: 400, message: "That did not work. Try again." };
}

/**
 * `/account/providers`: the providers linked to the account, link another (a trip to the provider,
 * behind a fresh proof, back here with a notice) and unlink one (never the last way to sign in).
 */
export function linkedProvidersPages(
  app: FastifyInstance,
  area: SignedInArea,
  input: { useCases: UseCases; providerTrips: ProviderTrips },
): void {
  const { useCases, providerTrips } = input;
  const base = "/account/providers";

  const render = async (page: PageContext, options: { error?: string; status?: number } = {}) => {
    const [links, configured] = await Promise.all([
      useCases.listLinkedProviders({ userId: page.signedIn.user.id }),
      useCases.listOAuthProviders({}),
    ]);
    const linked = new Set(links.map((link) => link.provider));
    return page.render(
      "account/providers",
      {
        title: "Linked providers",
        section: "providers",
        linked: links.map((link) => ({
          id: link.provider,
          name: oauthProviderNames[link.provider],
          account: link.displayName ?? link.email ?? null,
          email: link.email,
          linkedAt: shownTime(link.linkedAt),
        })),
        linkable: configured
          .filter((id) => !linked.has(id))
          .map((id) => ({ id, name: oauthProviderNames[id] })),
        hasPassword: page.signedIn.user.passwordHash !== null,
        error: options.error ?? null,
      },
      { status: options.status ?? 200, formTargets: providerFormTargets },
    );
  };

  area.page(app, "/providers", {}, async (page) => render(page));

  area.action(app, "/providers/link", {}, async (page) => {
    const started = await useCases.startLinkingProvider({
      session: page.signedIn.session,
      provider: page.form("provider", 64),
    });
    if (!started.ok) {
      if (started.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(started);
      return render(page, { error: message, status });
    }
    const refused = keepTrip(page, providerTrips, { started: started.value, returnTo: linkedReturnPath });
    if (refused !== null) {
      const { status, message } = page.failure(refused);
      return render(page, { error: message, status });
    }
    return page.reply.redirect(started.value.authorizationURL, 303);
  });

  // The linking trip comes back here: ?linked=<provider>, or ?error=<CODE> from the callback.
  area.page(app, "/providers/linked", {}, async (page) => {
    const failed = tripFailure(page.request.query);
    if (failed !== null) return render(page, { error: failed.message, status: failed.status });
    return page.redirect(base, "provider_linked");
  });

  area.action(app, "/providers/unlink", {}, async (page) => {
    const result = await useCases.unlinkProvider({
      session: page.signedIn.session,
      provider: page.form("provider", 64),
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      // The last-method rule's refusal in its own words ("GitHub is this account's only way...").
      const { status, message } = page.failure(result);
      return render(page, { error: message, status });
    }
    return page.redirect(base, "provider_unlinked");
  });
}
