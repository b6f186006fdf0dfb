import type { UseCases } from "@superoauth/application";
import {
  type AppSettingsInput,
  appScopes,
  checkHasClientSecret,
  maxAppNameLength,
  maxAppURLLength,
  maxRedirectURIs,
} from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { clientOf } from "../client.ts";
import { fieldList } from "../pages/page-kit.ts";
import type { PageContext, SignedInArea } from "../pages/signed-in-area.ts";
import { describeScope } from "../scopes.ts";
import { shownTime } from "./present.ts";

const base = "/account/developer-apps";

/** The issuer's discovery document (OpenID Connect Discovery §4: the issuer has no path). */
function discoveryURLOf(issuer: string): string {
  return new URL("/.well-known/openid-configuration", issuer).href;
}

/** The register and edit forms' fields, as the person typed them (shown again after a mistake). */
interface AppForm {
  readonly name: string;
  readonly homepageURL: string;
  readonly logoURL: string;
  readonly redirectURIs: string;
  readonly postLogoutRedirectURIs: string;
  readonly backchannelLogoutURI: string;
  readonly scopes: readonly string[];
  readonly type: string;
  readonly tokenEndpointAuthMethod: string;
  readonly idTokenSigningAlg: string;
  /** "yes" or "no" (a confidential app's choice); "" when the form did not ask. */
  readonly requirePKCE: string;
}

const emptyForm: AppForm = {
  name: "",
  homepageURL: "",
  logoURL: "",
  redirectURIs: "",
  postLogoutRedirectURIs: "",
  backchannelLogoutURI: "",
  scopes: ["openid"],
  type: "confidential",
  tokenEndpointAuthMethod: "client_secret_basic",
  idTokenSigningAlg: "ES256",
  requirePKCE: "yes",
};

/** Every scope, with its words, for the checkboxes. */
const scopeChoices = appScopes.map((scope) => ({ scope, words: describeScope(scope) }));

/**
 * The registration fields a refusal's message may start with (the domain's names, which a person on
 * the form never sees): the form's words for each, and the id of its text field (null: a choice the
 * page does not mark).
 */
const appFormFields: Readonly<Record<string, { readonly id: string | null; readonly words: string }>> = {
  name: { id: "app-name", words: "Name" },
  type: { id: null, words: "Client type" },
  redirectURIs: { id: "redirect-uris", words: "Redirect URIs" },
  postLogoutRedirectURIs: { id: "post-logout-uris", words: "Sign-out redirect URIs" },
  backchannelLogoutURI: { id: "backchannel-logout-uri", words: "Back-channel logout URI" },
  homepageURL: { id: "homepage-url", words: "Homepage URL" },
  logoURL: { id: "logo-url", words: "Logo URL" },
  idTokenSigningAlg: { id: "id-token-alg", words: "ID token signing algorithm" },
  allowedScopes: { id: null, words: "Scopes" },
};

/** The registration field a refusal's message starts with, if it is one of the form's. */
function appFormFieldIn(message: string | undefined) {
  const first = /^[A-Za-z]+/.exec(message ?? "")?.[0] ?? "";
  return Object.hasOwn(appFormFields, first) ? { first, field: appFormFields[first] } : null;
}

/** The id of the field a refusal is about, so the page marks that one; null for the form as a whole. */
export function appFormFieldOf(message: string | undefined): string | null {
  return appFormFieldIn(message)?.field?.id ?? null;
}

/** A refusal's message as the form shows it: its leading field name in the form's words. */
export function appFormMessage(message: string): string {
  const found = appFormFieldIn(message);
  return found?.field === undefined ? message : `${found.field.words}${message.slice(found.first.length)}`;
}

const urisMax = maxRedirectURIs * (maxAppURLLength + 2);

function formOf(page: PageContext): AppForm {
  return {
    name: page.form("name", maxAppNameLength + 50),
    homepageURL: page.form("homepage_url", maxAppURLLength + 1),
    logoURL: page.form("logo_url", maxAppURLLength + 1),
    redirectURIs: page.form("redirect_uris", urisMax),
    postLogoutRedirectURIs: page.form("post_logout_redirect_uris", urisMax),
    backchannelLogoutURI: page.form("backchannel_logout_uri", maxAppURLLength + 1),
    scopes: fieldList(page.body, "scope", 50, appScopes.length + 5),
    type: page.form("type", 20),
    tokenEndpointAuthMethod: page.form("token_endpoint_auth_method", 40),
    idTokenSigningAlg: page.form("id_token_signing_alg", 20),
    requirePKCE: page.form("require_pkce", 10),
  };
}

/** One URI a line (blank lines dropped); more than the rule allows is left for it to refuse. */
const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(0, maxRedirectURIs + 1);

/** The form as the apps API's settings (docs/api.md, POST /apps): the use case validates them. */
function settingsOf(form: AppForm): AppSettingsInput {
  const optional = (value: string) => (value.trim() === "" ? null : value.trim());
  return {
    name: form.name,
    homepageURL: optional(form.homepageURL),
    logoURL: optional(form.logoURL),
    redirectURIs: lines(form.redirectURIs),
    postLogoutRedirectURIs: lines(form.postLogoutRedirectURIs),
    // Left empty: none (on an edit, the one registered is removed).
    backchannelLogoutURI: optional(form.backchannelLogoutURI),
    allowedScopes: form.scopes,
    type: form.type,
    // A public client has no secret to authenticate with: its method is always none.
    tokenEndpointAuthMethod: form.type === "public" ? undefined : form.tokenEndpointAuthMethod || undefined,
    idTokenSigningAlg: form.idTokenSigningAlg || undefined,
    // Asked of a confidential app only; a public one always requires it.
    requirePKCE: form.type === "public" || form.requirePKCE === "" ? undefined : form.requirePKCE !== "no",
  };
}

type OwnedApp = Extract<Awaited<ReturnType<UseCases["getApp"]>>, { ok: true }>["value"];

function formFromApp(app: OwnedApp): AppForm {
  return {
    name: app.name,
    homepageURL: app.homepageURL ?? "",
    logoURL: app.logoURL ?? "",
    redirectURIs: app.redirectURIs.join("\n"),
    postLogoutRedirectURIs: app.postLogoutRedirectURIs.join("\n"),
    backchannelLogoutURI: app.backchannelLogoutURI ?? "",
    scopes: app.allowedScopes,
    type: app.type,
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
    idTokenSigningAlg: app.idTokenSigningAlg,
    requirePKCE: app.requirePKCE ? "yes" : "no",
  };
}

/**
 * The steps that ask first, on a page of their own (`GET <app>/<path>`), because they cannot be
 * undone: its words around the app's name, what follows, the button that does it (a POST to the
 * same address) and the link back to the app.
 */
const confirmSteps = {
  delete: {
    path: "delete",
    title: (name: string) => `Delete ${name}?`,
    lead: [
      "Deleting ",
      " signs everyone out of it: every authorization and token it holds ends, and its client id stops working. This cannot be undone.",
    ],
    outcomes: [],
    button: "Delete the app",
    cancel: "Keep it",
  },
  // What rotateAppSecret does: only the new secret's hash is kept; no token is revoked.
  secret: {
    path: "secret",
    title: (name: string) => `Rotate the secret of ${name}?`,
    lead: [
      "Rotating the secret of ",
      " gives it a new client secret, shown only once, on the next page. Then:",
    ],
    outcomes: [
      "the current secret stops working at once: the token endpoint refuses it, for signing people in and for refreshing tokens alike, saying it was replaced and when;",
      "every instance of the app that uses it (each server, each environment) must be given the new one, or it cannot sign anyone in until it is;",
      "tokens already issued stay valid until they expire or are revoked: no one is signed out of the app, and its refresh tokens work with the new secret.",
    ],
    button: "Rotate the secret",
    cancel: "Cancel",
  },
} as const;

const clientIdOf = (page: PageContext): string =>
  String((page.request.params as Record<string, unknown>).clientId ?? "").slice(0, 128);

/**
 * `/account/developer-apps`: the person's own OAuth apps (the apps API's use cases): register, see
 * and edit one, rotate a confidential app's secret (shown once, in the POST's answer only) and
 * delete one, each of these two after a confirmation step. Editing, rotating and deleting need a
 * fresh proof (ADR 0020), which comes back to the confirmation.
 */
export function developerAppPages(
  app: FastifyInstance,
  area: SignedInArea,
  useCases: UseCases,
  oidcIssuer?: string,
): void {
  const renderList = async (
    page: PageContext,
    input: { form?: AppForm; message?: string; status?: number } = {},
  ) => {
    const listed = await useCases.listApps({ userId: page.signedIn.user.id });
    return page.render(
      "account/developer-apps",
      {
        title: "Developer apps",
        section: "developer-apps",
        apps: (listed.ok ? listed.value : []).map((owned) => ({
          clientId: owned.clientId,
          name: owned.name,
          type: owned.type,
          createdAt: shownTime(owned.createdAt),
        })),
        // Off on an unverified address: the page asks for the address's proof before offering the form.
        emailVerified: page.signedIn.user.emailVerified,
        form: input.form ?? emptyForm,
        scopeChoices,
        error: input.message === undefined ? null : appFormMessage(input.message),
        errorField: appFormFieldOf(input.message),
      },
      { status: input.status ?? 200 },
    );
  };

  const renderApp = (
    page: PageContext,
    owned: OwnedApp,
    input: { form?: AppForm; message?: string; status?: number } = {},
  ) =>
    page.render(
      "account/developer-app",
      {
        title: owned.name,
        section: "developer-apps",
        // What the app's sign-in library is configured with, beside the client id (docs/oidc.md).
        issuer: oidcIssuer === undefined ? null : { url: oidcIssuer, discovery: discoveryURLOf(oidcIssuer) },
        app: {
          clientId: owned.clientId,
          type: owned.type,
          tokenEndpointAuthMethod: owned.tokenEndpointAuthMethod,
          createdAt: shownTime(owned.createdAt),
          updatedAt: shownTime(owned.updatedAt),
        },
        form: input.form ?? formFromApp(owned),
        scopeChoices,
        error: input.message === undefined ? null : appFormMessage(input.message),
        errorField: appFormFieldOf(input.message),
      },
      { status: input.status ?? 200 },
    );

  /** A client secret, shown in this answer only (no-store, never in a URL or cookie), with its warning. */
  const renderSecret = (
    page: PageContext,
    input: { clientId: string; name: string; clientSecret: string; rotated: boolean },
  ) =>
    page.render("account/developer-app-secret", {
      title: input.rotated ? "Your new client secret" : "Your app is registered",
      section: "developer-apps",
      ...input,
    });

  /** A step's confirmation page, naming the app (the step's POST goes to the same address). */
  const renderConfirm = (
    page: PageContext,
    owned: OwnedApp,
    step: (typeof confirmSteps)[keyof typeof confirmSteps],
  ) =>
    page.render("account/developer-app-confirm", {
      title: step.title(owned.name),
      section: "developer-apps",
      app: { clientId: owned.clientId, name: owned.name },
      step,
    });

  /** The app of the path, or the 404 page answered. */
  const ownedApp = async (page: PageContext): Promise<OwnedApp | null> => {
    const found = await useCases.getApp({ userId: page.signedIn.user.id, clientId: clientIdOf(page) });
    if (found.ok) return found.value;
    const { status, message } = page.failure(found);
    await renderList(page, { message, status });
    return null;
  };

  area.page(app, "/developer-apps", {}, async (page) => renderList(page));

  area.action(app, "/developer-apps", {}, async (page) => {
    const form = formOf(page);
    const result = await useCases.registerApp({
      owner: page.signedIn.user,
      settings: settingsOf(form),
      client: clientOf(page.request),
    });
    if (!result.ok) return renderList(page, { form, ...page.failure(result) });
    const { app: registered, clientSecret } = result.value;
    if (clientSecret === null) return page.redirect(`${base}/${registered.clientId}`, "app_registered");
    return renderSecret(page, {
      clientId: registered.clientId,
      name: registered.name,
      clientSecret,
      rotated: false,
    });
  });

  area.page(app, "/developer-apps/:clientId", {}, async (page) => {
    const owned = await ownedApp(page);
    if (owned === null) return page.reply;
    // Back from the fresh-proof step: the changes typed before it, to save now.
    return renderApp(page, owned, page.hasDraft ? { form: formOf(page) } : {});
  });

  area.action(app, "/developer-apps/:clientId", {}, async (page) => {
    const clientId = clientIdOf(page);
    const form = formOf(page);
    const { type: _fixed, ...changes } = settingsOf({ ...form, type: "" });
    const result = await useCases.updateApp({
      session: page.signedIn.session,
      clientId,
      changes,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(`${base}/${clientId}`);
      const owned = await ownedApp(page);
      return owned === null ? page.reply : renderApp(page, owned, { form, ...page.failure(result) });
    }
    return page.redirect(`${base}/${clientId}`, "app_updated");
  });

  area.page(app, "/developer-apps/:clientId/secret", {}, async (page) => {
    const owned = await ownedApp(page);
    if (owned === null) return page.reply;
    // The app's page offers no rotation of a public app's: this address typed by hand.
    const rotatable = checkHasClientSecret(owned);
    if (!rotatable.ok) return renderApp(page, owned, page.failure(rotatable));
    return renderConfirm(page, owned, confirmSteps.secret);
  });

  area.action(app, "/developer-apps/:clientId/secret", {}, async (page) => {
    const clientId = clientIdOf(page);
    const result = await useCases.rotateAppSecret({
      session: page.signedIn.session,
      clientId,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(`${base}/${clientId}/secret`);
      const owned = await ownedApp(page);
      return owned === null ? page.reply : renderApp(page, owned, page.failure(result));
    }
    const owned = await useCases.getApp({ userId: page.signedIn.user.id, clientId });
    return renderSecret(page, {
      clientId,
      name: owned.ok ? owned.value.name : clientId,
      clientSecret: result.value.clientSecret,
      rotated: true,
    });
  });

  area.page(app, "/developer-apps/:clientId/delete", {}, async (page) => {
    const owned = await ownedApp(page);
    if (owned === null) return page.reply;
    return renderConfirm(page, owned, confirmSteps.delete);
  });

  area.action(app, "/developer-apps/:clientId/delete", {}, async (page) => {
    const clientId = clientIdOf(page);
    const result = await useCases.deleteApp({
      session: page.signedIn.session,
      clientId,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(`${base}/${clientId}/delete`);
      const { status, message } = page.failure(result);
      return renderList(page, { message, status });
    }
    return page.redirect(base, "app_deleted");
  });
}
