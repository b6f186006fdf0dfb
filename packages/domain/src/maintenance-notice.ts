import { err, ok, type Result } from "./result.ts";
import type { UserId } from "./user.ts";

/**
 * The notice an admin puts on the public status page ("Upgrade on Sunday 02:00-02:15 UTC"), shared
 * by every instance; one at a time.
 */
export interface MaintenanceNotice {
  readonly message: string;
  readonly setAt: Date;
  readonly setBy: UserId;
}

/** The longest notice: a sentence or two, which the status page shows in full. */
export const maxMaintenanceNoticeLength = 280;

/**
 * A notice's text as given: trimmed, 1 to 280 characters, one paragraph of printable text (no
 * control characters, so it cannot break a page's or a log's lines).
 */
export function parseMaintenanceNoticeMessage(text: string): Result<string, "VALIDATION_ERROR"> {
  const message = text.trim();
  if (message === "") return err("VALIDATION_ERROR", "message must not be empty: clear the notice instead");
  if ([...message].length > maxMaintenanceNoticeLength) {
    return err("VALIDATION_ERROR", `message must be at most ${maxMaintenanceNoticeLength} characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(message)) {
    return err("VALIDATION_ERROR", "message must be one line of printable text");
  }
  return ok(message);
}
