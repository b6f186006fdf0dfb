import { ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { type OwnedApp, presentApp } from "./present-app.ts";

/** The apps the user registered, oldest first (GET /apps). */
export async function listApps(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<Result<readonly OwnedApp[], never>> {
  return ok((await deps.apps.listAppsByOwner(input.userId)).map(presentApp));
}
