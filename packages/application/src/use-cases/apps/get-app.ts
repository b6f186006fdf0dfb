import { ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { appNotFound, type OwnedApp, presentApp } from "./present-app.ts";

/** One of the user's apps (GET /apps/:clientId); someone else's is APP_NOT_FOUND. */
export async function getApp(
  deps: Dependencies,
  input: { userId: UserId; clientId: string },
): Promise<Result<OwnedApp, "APP_NOT_FOUND">> {
  const app = await deps.apps.findApp(input.clientId);
  if (app === null || app.ownerId !== input.userId) return appNotFound;
  return ok(presentApp(app));
}
