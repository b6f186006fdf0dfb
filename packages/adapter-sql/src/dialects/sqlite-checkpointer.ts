import { once } from "node:events";
import { Worker } from "node:worker_threads";

/**
 * How often the checkpointer copies the write-ahead log's committed pages into the database file
 * (ms). At the token endpoint's rate (about 1,000 tokens a second, about ten WAL pages each) the
 * log then holds a few thousand pages between two checkpoints.
 */
export const checkpointIntervalMs = 250;

/**
 * The service's connection's own automatic checkpoint while the thread runs (pages; SQLite's
 * default is 1,000): only reached if the thread falls behind, so the log stays bounded (about
 * 40 MiB) even then.
 */
export const fallbackAutoCheckpointPages = 10_000;

/**
 * The size the service's connection truncates the write-ahead log back to when it starts the log
 * over (bytes; SQLite's default, -1, never truncates): the fallback's pages of 4 KiB. Without it the
 * `-wal` file keeps the size of the largest write since the start (a prune after SECURITY_LOG_RETENTION
 * was shortened, a burst while a backup read), as large as the database itself.
 */
export const walSizeLimitBytes = fallbackAutoCheckpointPages * 4096;

/** The checkpointer thread of one SQLite file. */
export interface SQLiteCheckpointer {
  /** Runs a last checkpoint, closes the thread's connection and waits for the thread to end. */
  stop(): Promise<void>;
}

/**
 * The thread's program, in plain JavaScript rather than a TypeScript module: a thread that loads a
 * `.ts` file loads Node's type stripper too (about 9 MiB in the service, ADR 0041), for these
 * dozen lines.
 * It opens its own connection to the file and runs a PASSIVE checkpoint every interval: PASSIVE
 * copies what no reader still needs and never waits for, nor blocks, the service's connection
 * (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html). A failed checkpoint (the file busy past the
 * busy timeout) is retried at the next interval; the main connection's fallback bounds the log.
 * A message from the service stops it after one last checkpoint.
 */
const checkpointerProgram = `
const { DatabaseSync } = require("node:sqlite");
const { parentPort, workerData } = require("node:worker_threads");
const database = new DatabaseSync(workerData.path);
database.exec("PRAGMA busy_timeout = " + Number(workerData.busyTimeoutMs));
const checkpoint = database.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const run = () => { try { checkpoint.get(); } catch { /* busy: the next interval retries */ } };
const timer = setInterval(run, Number(workerData.intervalMs));
parentPort.once("message", () => {
  clearInterval(timer);
  run();
  database.close();
  parentPort.close();
});
parentPort.postMessage("started");
`;

/**
 * Starts the checkpointer thread of the SQLite file at `path` (in WAL mode already), and resolves
 * once its connection is open. The caller sets its own connection's `wal_autocheckpoint` to
 * `fallbackAutoCheckpointPages`: with SQLite's default, every thousandth page committed makes that
 * commit copy the log into the database and fsync it, on the event loop (ADR 0040).
 */
export async function startSQLiteCheckpointer(input: {
  path: string;
  busyTimeoutMs: number;
  intervalMs?: number;
}): Promise<SQLiteCheckpointer> {
  const worker = new Worker(checkpointerProgram, {
    eval: true,
    workerData: {
      path: input.path,
      busyTimeoutMs: input.busyTimeoutMs,
      intervalMs: input.intervalMs ?? checkpointIntervalMs,
    },
    // Its heap holds a connection and a timer: V8's defaults (sized from the machine) are for more.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    stdout: false,
    stderr: false,
  });
  // Not events.once: that would reject on an "error" event, unawaited until stop().
  const exited = new Promise<void>((resolveExit) => worker.once("exit", () => resolveExit()));
  // An exit before "started" (the file cannot be opened) rejects; an error event does too.
  await Promise.race([
    once(worker, "message"),
    exited.then(() => {
      throw new Error(`The SQLite checkpointer of ${input.path} ended before it started`);
    }),
  ]);
  // A thread that fails later (it cannot: its checkpoints catch their errors, but a worker may still
  // run out of memory) must not take the service down: the connection's fallback takes over.
  worker.on("error", () => {});
  // The service's shutdown stops it; until then it must not keep a finished process alive.
  worker.unref();
  return {
    async stop() {
      if (worker.threadId === -1) return;
      // Referenced again while it finishes: an unreferenced thread's exit keeps nothing waiting for
      // it, and a process whose last work is this stop would end with its await unsettled (exit 13).
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}
