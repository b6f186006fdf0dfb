import { createExportJob, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import { type DataExportSummary, summariseExport } from "./steps/export-summary.ts";

/**
 * Queues a copy of the caller's data, or answers the export already queued or running (one active
 * export per user: a repeated click or a retried request gets the same one, never a second job).
 * Behind a fresh proof (ADR 0012, docs/decisions/0025-data-export-jobs.md): the archive gathers in
 * one file what a stolen access token could otherwise only read route by route.
 */
export async function requestDataExport(
  deps: Dependencies,
  input: { session: Session },
): Promise<Result<{ export: DataExportSummary; created: boolean }, "REAUTH_REQUIRED">> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const now = deps.clock.now();
  const { created, job } = await deps.exportJobs.enqueueExportJob(
    createExportJob({ id: deps.random.generateId(), userId: input.session.userId, requestedAt: now }),
  );
  if (created) deps.exportWorker.jobQueued();
  return ok({ export: summariseExport(job, now), created });
}
