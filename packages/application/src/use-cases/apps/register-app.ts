import {
  type AppSettingsInput,
  checkAddressProven,
  ok,
  parseAppSettings,
  type Result,
  type User,
} from "@superoauth/domain";
import type { Dependencies, StoredApp } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { type OwnedApp, presentApp } from "./present-app.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/** A registered app and, for a confidential one, its client secret: shown this once, never again. */
export interface RegisteredApp {
  readonly app: OwnedApp;
  readonly clientSecret: string | null;
}

/** Characters of a client id: 32 base64url characters of a 256-bit secret, 192 bits, not guessable. */
const clientIdLength = 32;

/**
 * Registers a third-party app for the signed-in user (POST /apps; ADR 0020). A confidential client
 * gets a 256-bit secret, stored as its SHA-256 only; a public one gets none. Recorded in the
 * owner's security log (`app_registered`). Only an owner whose address is proven registers one
 * (EMAIL_NOT_VERIFIED, before anything is written; ADR 0043): a stranger who made the account on
 * someone else's address would keep the app's secret on the owner's account, its consent screen
 * naming them. The owner is the caller's user as the request read it. Apps registered before this
 * rule, and editing, rotating and deleting, do not wait for the proof.
 */
export async function registerApp(
  deps: Dependencies,
  input: { owner: Pick<User, "id" | "emailVerified">; settings: AppSettingsInput; client?: ClientInfo },
): Promise<Result<RegisteredApp, "VALIDATION_ERROR" | "EMAIL_NOT_VERIFIED">> {
  const proven = checkAddressProven(input.owner, "registering an app");
  if (!proven.ok) return proven;
  const settings = parseAppSettings(input.settings);
  if (!settings.ok) return settings;
  const clientSecret = settings.value.type === "confidential" ? deps.random.generateSecret() : null;
  const now = deps.clock.now();
  const app: StoredApp = {
    ...settings.value,
    clientId: deps.random.generateSecret().slice(0, clientIdLength),
    ownerId: input.owner.id,
    secretHash: clientSecret === null ? null : deps.secretHasher.hashSecret(clientSecret),
    createdAt: now,
    updatedAt: now,
  };
  await deps.apps.createApp(app);
  await recordAppEvent(deps, {
    userId: input.owner.id,
    type: "app_registered",
    app,
    client: input.client,
    details: { type: app.type },
  });
  return ok({ app: presentApp(app), clientSecret });
}
