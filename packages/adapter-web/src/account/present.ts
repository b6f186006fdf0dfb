import { describeSecurityEvent, describeUserAgent, type SecurityEvent } from "@superoauth/domain";

/** How the account pages show facts: one place for the words of times, sizes and clients. */

const timeFormat = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** A moment for a `<time>` element: the machine-readable instant and the words ("30 Nov 2026, 15:23 UTC"). */
export interface ShownTime {
  readonly iso: string;
  readonly text: string;
}

export function shownTime(date: Date): ShownTime {
  return { iso: date.toISOString(), text: `${timeFormat.format(date)} UTC` };
}

/** Bytes in words: "812 bytes", "14.2 KB", "3.1 MB" (powers of 1000, as file managers show them). */
export function shownSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "bytes";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** Where a request came from, as a session or an event recorded it: the browser in words and the address. */
export function shownClient(input: { userAgent: string | null; ip: string | null }): {
  device: string;
  ip: string;
} {
  return { device: describeUserAgent(input.userAgent), ip: input.ip ?? "unknown address" };
}

/** A security event as a timeline shows it (the holder's activity page, the console's user page). */
export function shownEvent(event: SecurityEvent): {
  sentence: string;
  occurredAt: ShownTime;
  device: string | null;
  ip: string | null;
} {
  return {
    sentence: describeSecurityEvent(event),
    occurredAt: shownTime(event.occurredAt),
    // Staff act from the console, whose requests the log does not keep: no "Unknown device".
    ...(event.actorId !== null && event.userAgent === null && event.ip === null
      ? { device: null, ip: null }
      : shownClient(event)),
  };
}
