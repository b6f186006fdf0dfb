import { once } from "node:events";
import { mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";
import pinoPretty from "pino-pretty";

/**
 * What never reaches a log line. `*.sql` (as in `err.sql`): mysql2 puts the failed statement on its errors with
 * the values inlined (password hashes, token hashes, emails), and a database failure is logged
 * whole; its code, errno and message stay. `*.command.args` (as in `err.command.args`): ioredis
 * puts the refused command with its arguments on its errors, and a refused `AUTH` carries
 * REDIS_URL's user and password; the command's name stays.
 */
export const logRedaction = {
  paths: [
    "req.headers.authorization",
    "req.headers.cookie",
    // The request headers of superoauth:http debug lines, and the cookies a response sets.
    "headers.authorization",
    "headers.cookie",
    'headers["set-cookie"]',
    "headers.referer",
    // A DPoP proof (RFC 9449) is single-use and bound to a key the log does not hold, but it is a
    // signed token: it stays out of the log as the others do.
    "req.headers.dpop",
    "headers.dpop",
    "password",
    "refreshToken",
    "accessToken",
    "*.password",
    "*.refreshToken",
    "*.accessToken",
    "*.sql",
    "*.command.args",
  ],
  censor: "[redacted]",
};

/**
 * How `pnpm dev` (LOG_FORMAT=pretty) and `pnpm logs` print a log line for people. The time is the
 * date and time in UTC, written as the API, the security log and the data export write theirs
 * (`2026-12-03T14:11:57.211Z`): a line is then found by the time of the event it belongs to, and
 * reads the same on a laptop in another time zone and across midnight (it was the time of day in
 * the reader's zone, with no date).
 */
export const prettyOptions = {
  translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
  ignore: "pid,hostname",
  singleLine: false,
} as const;

/** The areas `DEBUG=superoauth:<area>` turns debug logs on for (docs/operations.md). */
export const debugAreas = ["http", "db", "oauth", "mail"] as const;
export type DebugArea = (typeof debugAreas)[number];

/**
 * Which areas DEBUG names, read as the `debug` package reads it: comma- or space-separated
 * namespaces, `*` matching anything, a leading `-` excluding (`superoauth:*,-superoauth:db`).
 */
export function debugAreasOf(debug: string | undefined): ReadonlySet<DebugArea> {
  const included: RegExp[] = [];
  const excluded: RegExp[] = [];
  for (const entry of (debug ?? "").split(/[\s,]+/).filter(Boolean)) {
    const negated = entry.startsWith("-");
    const pattern = new RegExp(
      `^${(negated ? entry.slice(1) : entry).replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`,
    );
    (negated ? excluded : included).push(pattern);
  }
  return new Set(
    debugAreas.filter((area) => {
      const namespace = `superoauth:${area}`;
      return included.some((p) => p.test(namespace)) && !excluded.some((p) => p.test(namespace));
    }),
  );
}

/**
 * The logger of one area: its lines say `component`, and it writes debug lines when DEBUG names
 * the area, whatever LOG_LEVEL says (createLogger lets debug lines through then), and only then:
 * an area's debug lines hold what its docs promise only DEBUG shows (each request's headers, the
 * full address a mail goes to), so `LOG_LEVEL=debug` or `trace` alone leaves the areas at `info`.
 * Redaction is the root logger's, so it holds for debug lines too. With `requestId` (the id of the
 * request whose work is running, if any), each line written during a request carries it as
 * `reqId`, as the request's own lines do, so `pnpm logs --request-id` finds them all.
 */
export function componentLogger(
  root: Logger,
  area: DebugArea,
  debug: ReadonlySet<DebugArea>,
  requestId?: () => string | undefined,
): Logger {
  const infoValue = pino.levels.values.info ?? 30;
  const options: pino.ChildLoggerOptions = debug.has(area)
    ? { level: "debug" }
    : root.levelVal < infoValue
      ? { level: "info" }
      : {};
  if (requestId !== undefined) options.formatters = carryingRequestId(requestId);
  return root.child({ component: area }, options);
}

/**
 * Formatters under which each line written while a request's work runs carries that request's id
 * as `reqId` (unless the line names one itself), for loggers that write away from the request's
 * own: the areas' and the background queue's.
 */
export function carryingRequestId(
  requestId: () => string | undefined,
): pino.ChildLoggerOptions["formatters"] {
  return {
    log: (line) => {
      const id = requestId();
      return id === undefined || "reqId" in line ? line : { reqId: id, ...line };
    },
  };
}

/** The log files open in this process, each with its path, for reopenLogFiles. */
const logFiles = new Map<ReturnType<typeof pino.destination>, string>();

/**
 * Opens every log file again at its path (main.ts calls it on SIGHUP): after a rotation that
 * renamed the file (logrotate's default), the lines would otherwise keep going to the renamed one,
 * and `pnpm logs` would find no file. Answers how many were reopened, once they are.
 */
export async function reopenLogFiles(): Promise<number> {
  await Promise.all(
    [...logFiles].map(([file, path]) => {
      const reopened = once(file, "ready");
      // sonic-boom reopens only a stream it opened from a path, even when reopen is given one; ours
      // was opened from a descriptor (see createLogger), so it is told its path first.
      Object.assign(file, { file: path });
      file.reopen(path);
      return reopened;
    }),
  );
  return logFiles.size;
}

/**
 * JSON logs to stdout (or `destination`; human-readable lines with `format: "pretty"`) and, when
 * configured, JSON lines to a file that `pnpm logs` reads.
 * Request logs carry method, URL and IP only: never headers or bodies, so no
 * token or password reaches a log line; the redaction is a second belt. With DEBUG naming an
 * area, the streams take debug lines, which only that area's logger writes.
 */
export function createLogger(options: {
  level: string;
  file: string | undefined;
  format?: "json" | "pretty";
  debug?: ReadonlySet<DebugArea>;
  destination?: pino.DestinationStream;
}): Logger {
  const stdout =
    options.format === "pretty"
      ? pinoPretty({ ...prettyOptions, destination: 1, sync: true, colorize: pinoPretty.isColorSupported })
      : process.stdout;
  const streams: pino.StreamEntry[] = [{ stream: options.destination ?? stdout }];
  if (options.file !== undefined) {
    // Opened here, synchronously: a file that cannot be opened fails the start at once, and a
    // start that fails right after (the port taken) can still flush to it on exit, which a
    // destination still opening in the background refuses with "sonic boom is not ready yet".
    mkdirSync(dirname(options.file), { recursive: true });
    const file = pino.destination({ dest: openSync(options.file, "a"), append: true });
    logFiles.set(file, options.file);
    streams.push({ stream: file });
  }
  const root = options.level as pino.Level;
  const debugValue = pino.levels.values.debug ?? 20;
  const streamLevel: pino.Level =
    (options.debug?.size ?? 0) > 0 && (pino.levels.values[root] ?? 0) > debugValue ? "debug" : root;
  return pino(
    { level: options.level, redact: logRedaction },
    pino.multistream(streams.map((s) => ({ ...s, level: streamLevel }))),
  );
}
