import { levels } from "pino";

/** pino's level names, lowest first (`trace` 10 ... `fatal` 60). */
export const logLevelNames = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevelName = (typeof logLevelNames)[number];

export interface LogFilter {
  /** Lines below this level are left out. */
  readonly minLevel: LogLevelName | undefined;
  /** Only the lines of this request (Fastify's `reqId`, or a `requestId` field). */
  readonly requestId: string | undefined;
}

/**
 * The record of one JSON log line, or null when the line is not a JSON object (a stack a crashed
 * process printed, a line cut by rotation).
 */
export function parseLogLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith("{")) return null;
  try {
    const record: unknown = JSON.parse(line);
    return typeof record === "object" && record !== null && !Array.isArray(record)
      ? (record as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Whether a line passes the filter; a line that is not a log record passes only when nothing filters. */
export function keepLogLine(line: string, filter: LogFilter): boolean {
  if (filter.minLevel === undefined && filter.requestId === undefined) return true;
  const record = parseLogLine(line);
  if (record === null) return false;
  if (filter.minLevel !== undefined) {
    const lowest = levels.values[filter.minLevel] ?? 0;
    if (typeof record.level !== "number" || record.level < lowest) return false;
  }
  if (filter.requestId !== undefined) {
    if (record.reqId !== filter.requestId && record.requestId !== filter.requestId) return false;
  }
  return true;
}
