import { existsSync, readdirSync, readFileSync } from "node:fs";

/**
 * Where a machine's CPU time went during a stretch of the benchmark, read from Linux's /proc: the
 * server process's threads by kind, the benchmark's own process (the load's clients), and the
 * machine's idle time. The argon2id rows print it per request, so the distance between a row and
 * its ceiling is measured in every run, not argued: what the server spends beside the hash, what
 * the clients and the database on the same cores take, and the time no core did anything.
 * Linux only (null elsewhere). /proc counts in clock ticks of 10 ms (USER_HZ = 100 on Linux): over
 * a 10 s row of about 700 requests that is 14 µs per request at worst.
 */
export interface CPUSplit {
  /** The server's threads, by kind (threadKind), in microseconds. */
  readonly serverThreads: Readonly<Record<ThreadKind, number>>;
  /**
   * The server process's minor page faults (memory the kernel had to map, and zero, for it): an
   * allocator that hands argon2id's 19 MiB back to the kernel after each hash pays for it again on
   * the next one (ADR 0037).
   */
  readonly serverMinorFaults: number;
  /** The benchmark's process: its clients, the argon2id timing around rows excluded (it runs between stretches). */
  readonly benchmark: number;
  /** Every core's idle time (and I/O wait), in microseconds. */
  readonly idle: number;
  /** Every core's time, busy or idle, in microseconds. */
  readonly total: number;
}

export const threadKinds = ["hashing pool", "main thread", "worker threads", "V8 helpers", "other"] as const;
export type ThreadKind = (typeof threadKinds)[number];

/**
 * A thread's kind from its name (/proc/<pid>/task/<tid>/comm, which Node and libuv set): libuv's
 * pool runs argon2id (and file and crypto work), the main thread runs JavaScript, `WorkerThread`s
 * are worker_threads (the password screen's), V8's platform threads collect garbage and compile.
 */
export function threadKind(name: string): ThreadKind {
  if (name === "libuv-worker") return "hashing pool";
  if (name === "MainThread" || name === "node") return "main thread";
  if (name === "WorkerThread") return "worker threads";
  if (name === "V8Worker" || name.startsWith("DelayedTaskSch")) return "V8 helpers";
  return "other";
}

const microsPerTick = 10_000;

/** The CPU times so far (a snapshot); `cpuSplitBetween` turns two into a stretch's split. */
export function cpuSplitNow(serverPid: number | undefined): CPUSplit | null {
  if (serverPid === undefined || !existsSync("/proc/stat")) return null;
  const serverThreads = Object.fromEntries(threadKinds.map((kind) => [kind, 0])) as Record<
    ThreadKind,
    number
  >;
  const tasks = `/proc/${serverPid}/task`;
  for (const tid of existsSync(tasks) ? readdirSync(tasks) : []) {
    try {
      const name = readFileSync(`${tasks}/${tid}/comm`, "utf8").trim();
      serverThreads[threadKind(name)] +=
        ticksOf(readFileSync(`${tasks}/${tid}/stat`, "utf8")) * microsPerTick;
    } catch {
      // The thread ended between the listing and the read: its time is gone from the process's
      // accounting too, and the next snapshot does not count it either.
    }
  }
  let serverMinorFaults = 0;
  try {
    serverMinorFaults = minorFaultsOf(readFileSync(`/proc/${serverPid}/stat`, "utf8"));
  } catch {
    // The server ended: the row's figures are lost anyway.
  }
  const used = process.cpuUsage();
  // cpu  user nice system idle iowait irq softirq steal ...
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9);
  const ticks = fields.map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  return {
    serverThreads,
    serverMinorFaults,
    benchmark: used.user + used.system,
    idle: (idle + iowait) * microsPerTick,
    total: (user + nice + system + idle + iowait + irq + softirq + steal) * microsPerTick,
  };
}

/** utime + stime of a /proc stat line, in ticks (fields 14 and 15, after the parenthesised name). */
function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** minflt of a /proc stat line (field 10, after the parenthesised name). */
function minorFaultsOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

/** What was spent between two snapshots. */
export function cpuSplitBetween(before: CPUSplit, after: CPUSplit): CPUSplit {
  return combine(after, before, (a, b) => a - b);
}

/** Two stretches' splits together (a row of several stretches). */
export function cpuSplitSum(a: CPUSplit, b: CPUSplit): CPUSplit {
  return combine(a, b, (x, y) => x + y);
}

function combine(a: CPUSplit, b: CPUSplit, f: (x: number, y: number) => number): CPUSplit {
  return {
    serverThreads: Object.fromEntries(
      threadKinds.map((kind) => [kind, f(a.serverThreads[kind], b.serverThreads[kind])]),
    ) as Record<ThreadKind, number>,
    serverMinorFaults: f(a.serverMinorFaults, b.serverMinorFaults),
    benchmark: f(a.benchmark, b.benchmark),
    idle: f(a.idle, b.idle),
    total: f(a.total, b.total),
  };
}
