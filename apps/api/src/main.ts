import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";
import pinoPretty from "pino-pretty";

/**
 * What never reaches a log line. `*.sql` (as in `err.sql`): mysql2 puts the failed statement on its errors with
 * the values inlined (password hashes, token hashes, emails), and a database failure is logged
 * whole; its code, errno and message stay.
 */
export const logRedaction = {
  paths: [
    "req.headers.authorization",
    "req.headers.cookie",
    "*.password",
    "*.refreshToken",
    "*.accessToken",
    "*.sql",
  ],
  censor: "[redacted]",
};

/** How `pnpm dev` (LOG_FORMAT=pretty) and `pnpm logs` print a log line for people. */
export const prettyOptions = {
  translateTime: "SYS:HH:MM:ss.l",
  ignore: "pid,hostname",
  singleLine: false,
} as const;

/**
 * JSON logs to stdout (human-readable lines with `format: "pretty"`) and, when configured, JSON
 * lines to a file that `pnpm logs` reads.
 * Request logs carry method, URL and IP only: never headers or bodies, so no
 * token or password reaches a log line; the redaction is a second belt.
 */
export function createLogger(options: {
  level: string;
  file: string | undefined;
  format?: "json" | "pretty";
}): Logger {
  const stdout =
    options.format === "pretty"
      ? pinoPretty({ ...prettyOptions, destination: 1, sync: true, colorize: pinoPretty.isColorSupported })
      : process.stdout;
  const streams: pino.StreamEntry[] = [{ stream: stdout }];
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ stream: pino.destination({ dest: options.file, append: true, mkdir: true }) });
  }
  return pino(
    { level: options.level, redact: logRedaction },
    pino.multistream(streams.map((s) => ({ ...s, level: options.level as pino.Level }))),
  );
}
