import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { prettyFactory } from "pino-pretty";
import { keepLogLine, type LogFilter, type LogLevelName, logLevelNames, parseLogLine } from "../log-lines.ts";
import { prettyOptions } from "../logger.ts";
import { endQuietlyWhenTheReaderGoes } from "./command-options.ts";
import { loadConfigOrExit } from "./load-config.ts";

// Prints the end of the service's JSON log file (at most the last 64 KiB, from a whole line; the
// whole file when looking for one request) for people, and follows it like `tail -f`. Exit 0, or 2
// for a usage error, 1 without a log file.

const help = `Usage: pnpm logs [--level <level>] [--request-id <id>] [--no-follow] [--json]

Prints the end of LOG_FILE, one readable record at a time (a first line, its fields indented
below), then follows it (Ctrl-C stops).

  --level <level>      only records at this level or above: ${logLevelNames.join(", ")}
  --request-id <id>    only the records of one request (the X-Request-Id a user quotes), from the
                       whole file
  --follow, -f         keep printing new records as they are written (the default)
  --no-follow          print what is there and exit
  --json               print the JSON lines as they are, for jq`;

let args: {
  level?: string | undefined;
  "request-id"?: string | undefined;
  follow?: boolean | undefined;
  json?: boolean | undefined;
  help?: boolean | undefined;
};
try {
  ({ values: args } = parseArgs({
    allowNegative: true,
    options: {
      level: { type: "string" },
      "request-id": { type: "string" },
      follow: { type: "boolean", short: "f", default: true },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}. Run pnpm logs --help.`);
  process.exit(2);
}
if (args.help === true) {
  console.log(help);
  process.exit(0);
}
if (args.level !== undefined && !(logLevelNames as readonly string[]).includes(args.level)) {
  console.error(`--level must be one of ${logLevelNames.join(", ")} (got "${args.level}").`);
  process.exit(2);
}
const filter: LogFilter = {
  minLevel: args.level as LogLevelName | undefined,
  requestId: args["request-id"],
};

const config = loadConfigOrExit();
const file = config.logFile;
if (file === undefined) {
  // No start will ever write one: the service logs to standard output only.
  console.error(
    "LOG_FILE is empty: the service writes its log to standard output only, so there is no file to read. Set LOG_FILE (default logs/superoauth.log) and start the service again, or read the output where it goes (journalctl, docker logs).",
  );
  process.exit(1);
}
if (!existsSync(file)) {
  // Absolute: a relative LOG_FILE is read from the working directory, which the reader may not
  // know (`pnpm logs` in apps/api reads apps/api/logs/...; the forty-seventh session's walk).
  console.error(
    `No log file at ${resolve(file)} (LOG_FILE=${file}, relative to ${process.cwd()}). Start the service with pnpm start first, from the same directory.`,
  );
  process.exit(1);
}

// `pnpm logs | head`.
endQuietlyWhenTheReaderGoes();

const pretty = prettyFactory({ ...prettyOptions, colorize: process.stdout.isTTY === true });
/** Records printed so far: a search that found none says so. */
let printed = 0;
function print(line: string): void {
  if (line === "" || !keepLogLine(line, filter)) return;
  printed += 1;
  const record = args.json === true ? null : parseLogLine(line);
  process.stdout.write(record === null ? `${line}\n` : pretty(record));
}

/**
 * Reads the file from `start` to `end` and prints its whole lines after `carry` (the unfinished
 * line of the previous read); returns the new unfinished line. `skipFirst` drops the text before the
 * first newline: the end of a line cut by starting mid-file.
 */
function printRange(input: { start: number; end: number; carry: string; skipFirst: boolean }): string {
  const bytes = Buffer.alloc(input.end - input.start);
  const descriptor = openSync(file as string, "r");
  readSync(descriptor, bytes, 0, bytes.length, input.start);
  closeSync(descriptor);
  const lines = (input.carry + bytes.toString("utf8")).split("\n");
  if (input.skipFirst) lines.shift();
  const rest = lines.pop() ?? "";
  for (const line of lines) print(line);
  return rest;
}

/** How much of the file is read at once: the whole file is read a piece at a time. */
const chunkBytes = 1024 * 1024;

const size = statSync(file).size;
// A request's records may lie anywhere in the file (the id a user quotes from last week's error):
// with --request-id the whole file is searched, as grep would; otherwise the last 64 KiB is shown.
const tailStart = args["request-id"] !== undefined ? 0 : Math.max(0, size - 64 * 1024);
let carry = "";
for (let start = tailStart; start < size; start += chunkBytes) {
  carry = printRange({
    start,
    end: Math.min(size, start + chunkBytes),
    carry,
    skipFirst: start === tailStart && tailStart > 0,
  });
}
let position = size;
if (args.follow === true) {
  const printNew = (currentSize: number) => {
    if (currentSize < position) {
      // Truncated or rotated: start again from the top.
      position = 0;
      carry = "";
    }
    if (currentSize > position) {
      carry = printRange({ start: position, end: currentSize, carry, skipFirst: false });
      position = currentSize;
    }
  };
  // Polls the size against what has been printed (not fs.watchFile, whose first stat is its
  // baseline: a write landing between our read and that stat would never be reported).
  setInterval(() => {
    const current = statSync(file, { throwIfNoEntry: false });
    if (current !== undefined) printNew(current.size);
  }, 250);
} else {
  if (carry !== "") print(carry);
  // An id mistyped or from another instance's log: silence would look like a filter that failed.
  if (printed === 0 && filter.requestId !== undefined)
    console.error(
      `No records of request ${filter.requestId} in ${file}${filter.minLevel === undefined ? "" : ` at ${filter.minLevel} or above`}.`,
    );
}
