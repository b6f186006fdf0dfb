/**
 * Where a form on the interaction pages may lead. The browser checks `form-action` on every
 * redirect that follows a form submission too (Chromium does), and a sign-in or consent POST is
 * answered with a redirect into the provider, which redirects on to the app's registered redirect
 * URI: that is https, or http on a loopback address (the apps API refuses anything else), on any
 * host. So these pages allow those schemes; every other page allows 'self' only (ADR 0022).
 * `http:` rather than `http://localhost:* http://127.0.0.1:*`: CSP has no syntax for an IPv6 host
 * (Chromium ignores `http://[::1]:*`), so the narrower list blocked every app redirecting to
 * `http://[::1]` (RFC 8252 section 7.3), which the apps API accepts. It gives an injected form
 * nothing `https:` did not already give it (any host), and the provider still redirects only to a
 * registered URI, whose http host the apps API keeps to loopback.
 */
export const interactionFormTargets = ["'self'", "https:", "http:"] as const;

/**
 * The interaction pages' form targets for one app: the above and the private-use schemes its
 * redirect URIs use (a mobile app's `com.example.app:`, RFC 8252 section 7.1), which the browser
 * would otherwise refuse to follow at the end of the consent's redirects. Only that app's own: no
 * page allows every scheme. The domain admits only `[a-z][a-z0-9+.-]*` schemes, safe in the header.
 */
export function interactionFormTargetsFor(client: {
  readonly privateUseSchemes: readonly string[];
}): string[] {
  return [...interactionFormTargets, ...client.privateUseSchemes];
}

/** The strict Content-Security-Policy of a hosted page: no inline script or style, nothing from elsewhere but https images. */
export function contentSecurityPolicy(formTargets: readonly string[] = ["'self'"]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    `form-action ${formTargets.join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** How a page's headers differ from the strictest: where its forms may lead, and whether its opener is kept. */
export interface PageHeaderOptions {
  /** The CSP's form-action (`'self'` when absent). */
  readonly formTargets?: readonly string[] | undefined;
  /**
   * A page of an authorization flow an app may run in a popup (OpenID Connect's `display=popup`,
   * oidc-client-ts's `signinPopup`): no `Cross-Origin-Opener-Policy: same-origin`, which would cut
   * the popup from the app's window for good, so the app's callback page could never tell it the
   * result (Chromium: `window.opener` is null there). Every other page keeps `same-origin`.
   */
  readonly keepOpener?: boolean | undefined;
}

/** The headers of every hosted page (the CSP and its companions). */
export function pageHeaders(options: PageHeaderOptions = {}): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(options.formTargets),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    ...(options.keepOpener === true ? {} : { "cross-origin-opener-policy": "same-origin" }),
  };
}
