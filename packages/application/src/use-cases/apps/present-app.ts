import { err } from "@superoauth/domain";
import type { StoredApp } from "../../ports/index.ts";

/** An app as its owner sees it: everything but the secret hash. */
export type OwnedApp = Omit<StoredApp, "secretHash" | "ownerId">;

export function presentApp(app: StoredApp): OwnedApp {
  const { secretHash: _secretHash, ownerId: _ownerId, ...visible } = app;
  return visible;
}

/** Someone else's app answers exactly like an unknown one, so client ids cannot be probed for owners. */
export const appNotFound = err("APP_NOT_FOUND", "You have no app with this client id");
