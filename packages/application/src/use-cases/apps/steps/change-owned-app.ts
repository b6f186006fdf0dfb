import type { ErrorCode, Result, Session } from "@superoauth/domain";
import { OverloadedError } from "../../../overloaded-error.ts";
import type { Dependencies, StoredApp } from "../../../ports/index.ts";
import { requireFreshProof } from "../../account/steps/fresh-proof.ts";
import { appNotFound } from "../present-app.ts";

/** How many times a change is made over a newer read before it gives up (503, try again in 1 s). */
export const changeRounds = 5;

/**
 * Runs a change of the session's own app (a sensitive change, ADR 0020) over the app as it is
 * when written. `change` reads nothing itself: it gets the app as read in this round, and answers
 * "changed" when its conditional write found the app moved on by another write (an edit or a
 * rotation in a second tab, or by a second developer) between that read and the write. The app is
 * then read again and the change made over what the other wrote. Each round lost means another
 * write was made, so a few at once settle in as many rounds; after the fifth, SERVICE_UNAVAILABLE
 * (503, `Retry-After: 1`), nothing written, as for a transaction that lost every attempt to a
 * deadlock. `what` names the change in that error's message (the log's).
 */
export async function changeOwnedApp<T, E extends ErrorCode>(
  deps: Dependencies,
  input: { session: Session; clientId: string; what: string },
  change: (app: StoredApp, round: number) => Promise<Result<T, E> | "changed">,
): Promise<Result<T, E | "APP_NOT_FOUND" | "REAUTH_REQUIRED">> {
  for (let round = 1; round <= changeRounds; round += 1) {
    const app = await deps.apps.findApp(input.clientId);
    if (app === null || app.ownerId !== input.session.userId) return appNotFound;
    const fresh = requireFreshProof(deps, { session: input.session });
    if (!fresh.ok) return fresh;
    const outcome = await change(app, round);
    if (outcome !== "changed") return outcome;
  }
  // Writers contending for one row, as when a transaction loses every attempt to a deadlock.
  throw new OverloadedError({
    message: `The app was changed by ${changeRounds} other writes while ${input.what} was being made`,
    retryAfterSeconds: 1,
    publicMessage:
      "Other requests kept changing this app while this one was made, and nothing of it was saved. Send it again.",
  });
}
