// The landing page of social sign-in for clients that use the API's own flow (`/oauth/complete`):
// its script trades the one-time login code for a session, asking for the second factor when on.
// (The pages account mails link to are adapter-web's, server-rendered: createMailedLinkPages.)
// Everything is same-origin and the CSP allows nothing else.

import { type OAuthProviderId, oauthProviderNames } from "@superoauth/domain";

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML element content and quoted attribute values. */
function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

const styles = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.4rem; }
label { display: block; margin: 1rem 0 .25rem; }
input { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
button { margin-top: 1rem; padding: .5rem 1rem; font: inherit; }
#status { margin-top: 1rem; }
.error { color: #a40000; }
.ok { color: #0a6a0a; }
`;

const script = `
"use strict";
(function () {
  var status = document.getElementById("status");
  // A failure the script finds says so in the title too ("Error: Signing in"), as a refused form's
  // page does: the title is what a screen reader says of the page, and "Signing in" was left there.
  var title = document.title;
  function show(text, kind) {
    status.textContent = text;
    status.className = kind;
    document.title = (kind === "error" ? "Error: " : "") + title;
  }
  var page = document.body.getAttribute("data-page");
  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .catch(function () { return { success: false, message: "The server could not be reached. Try again." }; });
  }
  if (page === "oauth-complete") {
    // The landing page of social sign-in: trade the one-time login code (60 s) for a session.
    var params = new URLSearchParams(location.search);
    var code = params.get("code");
    // Only a provider's id is put in words, by its name: any other text in the address (the page is
    // linkable) would be shown as this service's own words ("Call 555-0100 now").
    var names = ${JSON.stringify(oauthProviderNames)};
    var nameOf = function (id) { return id !== null && Object.prototype.hasOwnProperty.call(names, id) ? names[id] : null; };
    var linked = nameOf(params.get("linked"));
    var reauthenticated = nameOf(params.get("reauthenticated"));
    var failed = params.get("error");
    history.replaceState(null, "", location.pathname);
    // The page's links to its own start, one per configured provider (the server writes them in,
    // shown already after a failed trip): shown when the exchange fails too.
    var offerStarts = function () {
      var list = document.getElementById("starts");
      list.hidden = list.children.length === 0;
    };
    // The server wrote what happened into the page (linked, re-authenticated, or why the trip
    // failed): keep it, and after a failure offer a new start.
    if (linked || reauthenticated) return;
    if (failed) { offerStarts(); return; }
    if (!code) { show("Nothing to complete here. Start signing in again.", "error"); offerStarts(); return; }
    var signedIn = function (data) {
      show("Signed in as " + data.user.nickname + " (" + data.user.email + ").", "ok");
    };
    show("Signing in…", "");
    // The page's own exchange: the server adds the PKCE verifier it keeps in this browser's cookie.
    post("/oauth/complete", { code: code }).then(function (r) {
      if (!r.success) { show(r.message || "This sign-in link has expired. Start again.", "error"); offerStarts(); return; }
      if (!r.data.mfaRequired) { signedIn(r.data); return; }
      var form = document.getElementById("mfa");
      form.hidden = false;
      show("Enter the code from your authenticator app, or a backup code.", "");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var value = document.getElementById("code").value.trim();
        var body = /^[0-9 ]+$/.test(value) ? { mfaToken: r.data.mfaToken, code: value } : { mfaToken: r.data.mfaToken, backupCode: value };
        post("/api/v1/auth/2fa/verify", body).then(function (v) {
          if (v.success) { form.hidden = true; signedIn(v.data); }
          else show(v.message || "That code did not work.", "error");
        });
      });
    });
    return;
  }
})();
`;

function page(input: {
  id: string;
  title: string;
  body: string;
  brandName: string;
  /** What the status line says before the script runs (what the server knows of: an error, or a success). */
  status?: { text: string; kind: "error" | "ok" };
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title} · ${escapeHTML(input.brandName)}</title>
<link rel="stylesheet" href="/assets/account.css">
</head>
<body data-page="${input.id}">
<main>
<h1>${input.title}</h1>
<p id="status" role="status" aria-live="polite"${input.status === undefined ? "" : ` class="${input.status.kind}"`}>${escapeHTML(input.status?.text ?? "")}</p>
${input.body}
</main>
<script src="/assets/account.js"></script>
</body>
</html>
`;
}

/** What the landing page knows when it is asked for: nothing yet (a login code to trade), or how the trip ended. */
export type LandingOutcome =
  | { readonly failure: string }
  | { readonly linked: OAuthProviderId }
  | { readonly reauthenticated: OAuthProviderId };

/** The landing page's heading and status line for an outcome the server knows of. */
function landingState(outcome: LandingOutcome): {
  title: string;
  status: { text: string; kind: "error" | "ok" };
} {
  if ("failure" in outcome)
    return { title: "Signing in did not work", status: { text: outcome.failure, kind: "error" } };
  if ("linked" in outcome) {
    const name = oauthProviderNames[outcome.linked];
    return {
      title: `${name} linked`,
      status: { text: `Your ${name} account is now linked. You can close this page.`, kind: "ok" },
    };
  }
  return {
    title: "Identity confirmed",
    status: {
      text: `You signed in again with ${oauthProviderNames[outcome.reauthenticated]}. Go back and finish your change.`,
      kind: "ok",
    },
  };
}

/**
 * The landing page's starts: a link per configured provider to the page's own start (which binds
 * the login code to this browser with PKCE; no token in the address), shown in the page after a
 * failed trip, so a person without JavaScript can start again, and by the script when the page's
 * own exchange fails.
 */
function startLinks(providers: readonly OAuthProviderId[], shown: boolean): string {
  const items = providers.map(
    (id) =>
      `<li><a href="/oauth/start/${encodeURIComponent(id)}">Sign in with ${escapeHTML(oauthProviderNames[id])}</a></li>`,
  );
  return `<ul id="starts"${shown && items.length > 0 ? "" : " hidden"}>${items.length === 0 ? "" : `\n${items.join("\n")}\n`}</ul>`;
}

/**
 * Where social sign-in lands (OAUTH_SUCCESS_REDIRECT's default): trades the login code, asks for
 * 2FA if on; or says how the trip ended (`outcome`: linked, re-authenticated, or why it failed),
 * under a heading that says so, with or without JavaScript. `providers`: the configured ones,
 * whose starts the page offers.
 */
export function renderOAuthCompletePage(
  brandName: string,
  outcome?: LandingOutcome,
  providers: readonly OAuthProviderId[] = [],
): string {
  const known = outcome === undefined ? undefined : landingState(outcome);
  const failed = outcome !== undefined && "failure" in outcome;
  const ended = outcome !== undefined && !failed;
  return page({
    brandName,
    id: "oauth-complete",
    title: known?.title ?? "Signing in",
    ...(known === undefined ? {} : { status: known.status }),
    // Without JavaScript nothing trades the code: say so, rather than "Signing in" for ever. A
    // failed trip has nothing to trade, and its start links work without JavaScript: no such word
    // there. A linking or a re-authentication is done already: nothing is left to trade or start.
    body: ended
      ? ""
      : `${failed ? "" : '<noscript><p class="error">Finishing a sign-in here needs JavaScript: turn it on, then start signing in again.</p></noscript>\n'}${startLinks(providers, failed)}
<form id="mfa" hidden>
<label for="code">Authentication code</label>
<input id="code" name="code" autocomplete="one-time-code" autocapitalize="off" spellcheck="false" required maxlength="32">
<button type="submit">Continue</button>
</form>`,
  });
}

export const accountScript = script;
export const accountStyles = styles;

/** Only same-origin scripts, styles and requests; no framing, no form posts elsewhere. */
export const pageSecurityHeaders = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  // No other origin's window keeps a hold on these pages (none is opened as a popup by an app).
  "Cross-Origin-Opener-Policy": "same-origin",
} as const;
