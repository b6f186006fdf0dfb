import { parseOneLineText } from "./one-line-text.ts";
import type { Result } from "./result.ts";
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
  return parseOneLineText({
    field: "message",
    text,
    maxLength: maxMaintenanceNoticeLength,
    whenEmpty: "clear the notice instead",
  });
}
