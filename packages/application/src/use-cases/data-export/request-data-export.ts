import {
  createExportJob,
  err,
  exportAllowanceSince,
  maxExportsPerWindow,
  ok,
  type Result,
  type Session,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { spentExportAllowance } from "./steps/export-allowance.ts";
import { type DataExportSummary, summariseExport } from "./steps/export-summary.ts";

/**
 * Queues a copy of the caller's data, or answers the export already queued or running (one active
 * export per user: a repeated click or a retried request gets the same one, never a second job).
 * Behind a fresh proof (ADR 0012, docs/decisions/0025-data-export-jobs.md): the archive gathers in
 * one file what a stolen access token could otherwise only read route by route.
 *
 * At most `maxExportsPerWindow` exports are started per account a day (each is an archive kept
 * EXPORT_TTL, a mail and a row; a failed one is not counted): past them, RATE_LIMIT_EXCEEDED with
 * the seconds until the oldest counted one leaves the window. Answering the active export starts
 * nothing, so it is never refused. The repository decides all three in one step per user, so
 * concurrent requests never start one export past the allowance.
 */
export async function requestDataExport(
  deps: Dependencies,
  input: { session: Session; client?: ClientInfo },
): Promise<
  | Result<{ export: DataExportSummary; created: boolean }, "REAUTH_REQUIRED" | "INVALID_TOKEN">
  | AllowanceSpent
> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const now = deps.clock.now();
  const { userId } = input.session;
  const requested = await deps.exportJobs.enqueueExportJob(
    createExportJob({ id: deps.random.generateId(), userId, requestedAt: now }),
    { since: exportAllowanceSince(now), max: maxExportsPerWindow },
  );
  if (requested.job === null) {
    // The account was deleted (with this session) while the request was on its way, as authentication sees a removed session.
    if ("accountGone" in requested) return err("INVALID_TOKEN", "This session has ended; sign in again");
    const spent = spentExportAllowance(requested.countedRequestTimes, now);
    // The repository counted `max` in the window, so the allowance is spent; null cannot happen.
    if (spent !== null) return spent;
    throw new Error("the export allowance was refused with room left in it");
  }
  if (requested.created) {
    // A copy of everything, in one file: the log says who asked, when and from where (the mail
    // that it is ready goes to the account's address, which may no longer be the holder's).
    await recordSecurityEvent(deps, {
      userId,
      type: "data_export_requested",
      client: input.client,
      details: { exportId: requested.job.id },
    });
    deps.exportWorker.jobQueued();
  }
  return ok({ export: summariseExport(requested.job, now), created: requested.created });
}
