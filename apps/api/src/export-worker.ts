import type { DataExportRun, ExportWorkerSignal } from "@superoauth/application";
import type { Result } from "@superoauth/domain";

/** Where the worker reports (a pino logger in the service). */
export interface ExportWorkerLog {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

/** The export worker loop of this process (docs/account-export.md). */
export interface ExportWorker extends ExportWorkerSignal {
  start(): void;
  /** Stops claiming, interrupts the export in progress (it goes back to the queue), and resolves once the loop has ended. */
  stop(): Promise<void>;
}

/**
 * Runs exports one after another in this process: claims the next job, writes it, and looks for
 * another; when there is none, sleeps `pollIntervalMs` or until a request on this instance queues one
 * (jobQueued). Several instances each run a loop against the same database, and the claim
 * (ExportJobRepository.claimExportJob) gives every attempt to exactly one of them; a job queued on
 * another instance is found at the next poll. A failing database is logged and retried after a poll.
 */
export function createExportWorker(input: {
  runNext(input: { signal: AbortSignal }): Promise<Result<DataExportRun, never>>;
  pollIntervalMs: number;
  log: ExportWorkerLog;
  /** Told how each job's last attempt ended (metrics); a retry is not an end. */
  onJobEnded?: (outcome: "succeeded" | "failed") => void;
}): ExportWorker {
  const controller = new AbortController();
  let stopping = false;
  let queuedWhileBusy = false;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, input.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const run = async () => {
    while (!stopping) {
      queuedWhileBusy = false;
      let idle = true;
      try {
        const result = await input.runNext({ signal: controller.signal });
        if (!result.ok) throw new Error("runNextDataExport has no failures");
        const { value } = result;
        idle = value.outcome === "idle";
        if (value.outcome === "ready") input.onJobEnded?.("succeeded");
        if (value.outcome === "failed") input.onJobEnded?.("failed");
        if (value.outcome === "retry" || value.outcome === "failed") {
          input.log.error(
            { exportId: value.exportId, outcome: value.outcome, err: value.error },
            "data export attempt failed",
          );
        } else if (value.outcome !== "idle") {
          input.log.info({ exportId: value.exportId, outcome: value.outcome }, "data export");
        }
      } catch (error) {
        input.log.warn({ err: error }, "data export worker could not reach the queue; will retry");
      }
      if (idle && !queuedWhileBusy && !stopping) await sleep();
    }
  };

  return {
    start() {
      loop ??= run();
    },
    jobQueued() {
      if (wake === null) queuedWhileBusy = true;
      else wake();
    },
    async stop() {
      stopping = true;
      controller.abort();
      wake?.();
      await loop;
    },
  };
}
