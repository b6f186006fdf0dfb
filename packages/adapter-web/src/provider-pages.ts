import type { ProviderFlow, ProviderPages } from "@superoauth/application";
import { loadPageAssets } from "./assets.ts";
import { failureReference } from "./pages/page-kit.ts";
import { describeScope } from "./scopes.ts";
import {
  contentSecurityPolicy,
  interactionFormTargets,
  interactionFormTargetsFor,
} from "./security-headers.ts";
import { defaultTheme, type Theme } from "./theme.ts";
import { createViews } from "./views.ts";

/** The provider's error codes (RFC 6749, OpenID Connect) in words a person can act on. */
const errorMessages: Readonly<Record<string, string>> = {
  invalid_request: "The app sent a request that is not valid.",
  invalid_client: "The app is not registered here, or its details are wrong.",
  invalid_redirect_uri: "The app asked to return to an address it has not registered.",
  unauthorized_client: "The app is not allowed to sign in this way.",
  access_denied: "The request was declined.",
  invalid_scope: "The app asked for a permission it may not have.",
  login_required: "You need to sign in first.",
  consent_required: "You need to allow the app first.",
  server_error: "Something went wrong on our side.",
  temporarily_unavailable: "The service is busy right now.",
};

/** The library's refusals of a sign-out (its descriptions), in words a person can act on. */
const signOutMessages: Readonly<Record<string, string>> = {
  "post_logout_redirect_uri not registered": "The app asked to return to an address it has not registered.",
  "could not find logout details": "This sign-out page was already used, or has expired.",
  "xsrf token invalid": "This sign-out page was already used, or has expired.",
};

/**
 * The library's refusals to resume a sign-in (its descriptions), in words a person can act on: the
 * sign-in's address opened again once it had finished (Back, a reload after an answer was lost, a
 * second tap on Allow), or after another tab signed in or out. Said instead of the description,
 * which blamed the app ("The app sent a request that is not valid. (authorization request has
 * expired)").
 */
const resumeMessages: Readonly<Record<string, string>> = {
  "authorization request has expired": "This sign-in is already finished, or it has expired.",
  "interaction session not found": "This sign-in is already finished, or it has expired.",
  "authorization session and cookie identifier mismatch":
    "A newer sign-in was started in another tab or window of this browser.",
  "interaction session and authentication session mismatch":
    "You signed in or out in another tab or window of this browser meanwhile.",
};

/** The in-between form's page (continueForm), in the words of what the person is doing. */
const continueTitles: Readonly<Record<ProviderFlow, string>> = {
  "sign-in": "Continue signing in",
  "sign-out": "Sign out",
  device: "Connect a device",
};
const continueLeads: Readonly<Record<ProviderFlow, string>> = {
  "sign-in": "Press Continue to go on with signing in.",
  "sign-out": "Press Continue to finish signing out.",
  device: "Press Continue to go on with the code your device showed.",
};

/**
 * The provider's own pages (its errors, RP-initiated logout, the device flow) in the hosted pages'
 * look, for adapter-oidc's `renderError`, `logoutSource`, `postLogoutSuccessSource` and device
 * sources. The page around the library's form is ours; the form itself is embedded raw and our
 * controls join it through `form="<formId>"`.
 */
export function createProviderPages(input: { theme?: Theme } = {}): ProviderPages {
  const theme = input.theme ?? defaultTheme;
  const views = createViews({ theme, assets: loadPageAssets(theme) });
  const notice = (title: string, message: string) =>
    views.page("notice", { title, message, status: false, link: null });
  return {
    contentSecurityPolicy: contentSecurityPolicy(interactionFormTargets),
    contentSecurityPolicyFor: (client) => contentSecurityPolicy(interactionFormTargetsFor(client)),
    error: ({ error, description, during, reference }) =>
      // Never a redirect, never the library's details beyond its code and description (and, for a
      // failure of ours, the request's id to quote).
      during === "sign-out"
        ? views.page("notice", {
            title: "This sign-out cannot continue",
            // A refusal we have no words for keeps the library's reason, as a sign-in's does: without
            // it, an app whose id_token_hint did not verify learnt only "not valid".
            message: `${signOutMessages[description ?? ""] ?? `${errorMessages[error] ?? "The request could not be completed."}${description === null ? "" : ` (${description})`}`} You may still be signed in: your account page says so, and signs you out.${reference == null ? "" : ` ${failureReference(reference)}`}`,
            status: false,
            link: { href: "/account", text: "Your account" },
          })
        : views.page("notice", {
            title: during === "device" ? "This device cannot be connected" : "This sign-in cannot continue",
            message: `${(during === "sign-in" ? resumeMessages[description ?? ""] : undefined) ?? `${errorMessages[error] ?? "The request could not be completed."}${description === null ? "" : ` (${description})`}`} ${during === "device" ? "Start again on your device." : "Go back to the app you came from and try again."}${reference == null ? "" : ` ${failureReference(reference)}`}`,
            status: false,
            link: null,
          }),
    logoutConfirm: ({ formHTML, formId, clientName }) =>
      views.page("logout-confirm", { title: "Sign out", formHTML, formId, clientName }),
    // The library names the app on this page only when the person signed out of that app alone
    // (the confirmation's second button): they are still signed in here.
    logoutDone: ({ clientName }) =>
      clientName === null
        ? notice("You are signed out", "You signed out. You can close this page.")
        : notice(
            `You signed out of ${clientName}`,
            `You are still signed in to ${theme.name} in this browser. You can close this page.`,
          ),
    deviceCodeInput: ({ formHTML, formId, error, code }) =>
      views.page("device-input", { title: "Connect a device", formHTML, formId, error, code: code ?? null }),
    deviceConfirm: ({ formHTML, formId, clientName, userCode, scopes }) =>
      views.page("device-confirm", {
        title: "Connect a device",
        formHTML,
        formId,
        clientName,
        userCode,
        scopes: scopes.map(describeScope),
      }),
    continueForm: ({ action, fields, during }) =>
      views.page("continue", {
        title: continueTitles[during],
        lead: continueLeads[during],
        action,
        fields,
        autoSubmit: true,
      }),
    deviceDone: ({ clientName, approved }) =>
      approved
        ? notice("Device connected", `${clientName ?? "Your device"} is now connected. You can return to it.`)
        : notice(
            "Request declined",
            `${clientName ?? "The device"} was not connected. You can close this page.`,
          ),
  };
}
