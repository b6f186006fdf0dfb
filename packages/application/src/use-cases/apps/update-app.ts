import {
  type AppSettingsInput,
  err,
  ok,
  parseAppSettings,
  type Result,
  type Session,
} from "@superoauth/domain";
import type { Dependencies, StoredApp } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { endEveryGrantOf } from "./end-every-grant.ts";
import { appNotFound, type OwnedApp, presentApp } from "./present-app.ts";
import { changeOwnedApp } from "./steps/change-owned-app.ts";
import { nextUpdatedAt } from "./steps/next-updated-at.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/**
 * Changes some of the user's app's settings (PATCH /apps/:clientId): the given fields over the
 * current ones, validated as a whole. A sensitive change (ADR 0020): a new redirect URI decides where
 * every user's authorization codes go, so a stolen access token alone must not do it. The client
 * type is fixed at registration (a confidential client's secret would otherwise dangle). Taking a
 * scope away ends every person's grant of the app, which they then give again. Recorded in the
 * owner's security log (`app_updated`, naming the settings that changed).
 */
export async function updateApp(
  deps: Dependencies,
  input: { session: Session; clientId: string; changes: Partial<AppSettingsInput>; client?: ClientInfo },
): Promise<Result<OwnedApp, "APP_NOT_FOUND" | "VALIDATION_ERROR" | "REAUTH_REQUIRED">> {
  // The changes go over the settings as they are when written: an edit that another write
  // overtook between its read and its write is applied again over what that one wrote, rather
  // than putting back what it had removed.
  return changeOwnedApp(deps, { ...input, what: "this change" }, (app) =>
    applyChanges(deps, { ...input, app }),
  );
}

async function applyChanges(
  deps: Dependencies,
  input: { session: Session; app: StoredApp; changes: Partial<AppSettingsInput>; client?: ClientInfo },
): Promise<Result<OwnedApp, "APP_NOT_FOUND" | "VALIDATION_ERROR"> | "changed"> {
  const { app } = input;
  if (input.changes.type !== undefined && input.changes.type !== app.type) {
    return err("VALIDATION_ERROR", "The client type cannot change: register a new app");
  }
  // A logo stored before logos had to be https (an http loopback one) is kept as it is while the
  // change leaves the logo alone: the other settings can still be edited (the pages never show it).
  const keepsStoredLogo = input.changes.logoURL === undefined && app.logoURL !== null;
  const parsed = parseAppSettings({
    name: input.changes.name ?? app.name,
    logoURL: keepsStoredLogo ? null : (input.changes.logoURL ?? null),
    homepageURL: input.changes.homepageURL === undefined ? app.homepageURL : input.changes.homepageURL,
    redirectURIs: input.changes.redirectURIs ?? app.redirectURIs,
    postLogoutRedirectURIs: input.changes.postLogoutRedirectURIs ?? app.postLogoutRedirectURIs,
    allowedScopes: input.changes.allowedScopes ?? app.allowedScopes,
    type: app.type,
    tokenEndpointAuthMethod: input.changes.tokenEndpointAuthMethod ?? app.tokenEndpointAuthMethod,
    idTokenSigningAlg: input.changes.idTokenSigningAlg ?? app.idTokenSigningAlg,
    requirePKCE: input.changes.requirePKCE ?? app.requirePKCE,
    backchannelLogoutURI:
      input.changes.backchannelLogoutURI === undefined
        ? app.backchannelLogoutURI
        : input.changes.backchannelLogoutURI,
  });
  if (!parsed.ok) return parsed;
  const settings = keepsStoredLogo ? ok({ ...parsed.value, logoURL: app.logoURL }) : parsed;
  const now = nextUpdatedAt(deps.clock, app);
  const updated = await deps.apps.updateApp({
    clientId: app.clientId,
    ownerId: app.ownerId,
    settings: settings.value,
    readAt: app.updatedAt,
    now,
  });
  if (updated === "not-found") return appNotFound;
  if (updated === "changed") return "changed";
  // Which settings changed, by name (never their values: the log says that redirects changed, the
  // app's page says to what); a change that changed nothing is not one.
  const fields = appSettingNames.filter(
    (name) => JSON.stringify(app[name]) !== JSON.stringify(settings.value[name]),
  );
  if (fields.length > 0) {
    await recordAppEvent(deps, {
      userId: app.ownerId,
      type: "app_updated",
      app: { clientId: app.clientId, name: settings.value.name },
      client: input.client,
      details: { fields: fields.join(", ") },
    });
  }
  // A scope taken away is taken from everyone now: tokens and remembered consents that hold it end,
  // rather than refresh on with it (a refresh keeps its grant's scopes).
  if (app.allowedScopes.some((scope) => !settings.value.allowedScopes.includes(scope))) {
    await endEveryGrantOf(deps, app.clientId);
  }
  return ok(presentApp({ ...app, ...settings.value, updatedAt: now }));
}

/** The settings an app's change may touch, as `app_updated` names them. */
const appSettingNames = [
  "name",
  "logoURL",
  "homepageURL",
  "redirectURIs",
  "postLogoutRedirectURIs",
  "allowedScopes",
  "tokenEndpointAuthMethod",
  "idTokenSigningAlg",
  "requirePKCE",
  "backchannelLogoutURI",
] as const;
