import {
  createExportJob,
  durationInWords,
  exportAllowanceAt,
  exportAllowanceSince,
  exportAllowanceWindowMs,
  isActiveExport,
  maxExportsPerWindow,
  ok,
  type Result,
  type Session,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { type DataExportSummary, summariseExport } from "./steps/export-summary.ts";

/**
 * Queues a copy of the caller's data, or answers the export already queued or running (one active
 * export per user: a repeated click or a retried request gets the same one, never a second job).
 * Behind a fresh proof (ADR 0012, docs/decisions/0025-data-export-jobs.md): the archive gathers in
 * one file what a stolen access token could otherwise only read route by route.
 *
 * At most `maxExportsPerWindow` exports are started per account a day (each is an archive kept
 * EXPORT_TTL, a mail and a row): past them, RATE_LIMIT_EXCEEDED with the seconds until the oldest
 * counted one leaves the window. Answering the active export starts nothing, so it is never refused.
 */
export async function requestDataExport(
  deps: Dependencies,
  input: { session: Session },
): Promise<Result<{ export: DataExportSummary; created: boolean }, "REAUTH_REQUIRED"> | AllowanceSpent> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const now = deps.clock.now();
  const { userId } = input.session;
  const allowance = exportAllowanceAt(
    await deps.exportJobs.listExportRequestTimesOfUser({
      userId,
      since: exportAllowanceSince(now),
      limit: maxExportsPerWindow,
    }),
    now,
  );
  if (!allowance.allowed) {
    // No job can start while one is active, so an active one is the newest.
    const [latest] = await deps.exportJobs.listExportJobsOfUser({ userId, limit: 1 });
    if (latest !== undefined && isActiveExport(latest.status)) {
      return ok({ export: summariseExport(latest, now), created: false });
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(allowance.waitMs / 1000));
    return {
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
      message: `You have started ${maxExportsPerWindow} data exports in the last ${durationInWords(exportAllowanceWindowMs / 1000)}, the most allowed. You can start another in ${durationInWords(retryAfterSeconds)}.`,
      retryAfterSeconds,
    };
  }
  const { created, job } = await deps.exportJobs.enqueueExportJob(
    createExportJob({ id: deps.random.generateId(), userId, requestedAt: now }),
  );
  if (created) deps.exportWorker.jobQueued();
  return ok({ export: summariseExport(job, now), created });
}
