import {
  durationInWords,
  exportAllowanceAt,
  exportAllowanceWindowMs,
  maxExportsPerWindow,
} from "@superoauth/domain";
import type { AllowanceSpent } from "../../allowance-spent.ts";

/**
 * The refusal when the export allowance is spent at `now`, given the counted request times (newest
 * first), or null while another export may start: the same words for the API's 429 and for the
 * export page, which says them instead of offering a request that would be refused.
 */
export function spentExportAllowance(requestTimes: readonly Date[], now: Date): AllowanceSpent | null {
  const allowance = exportAllowanceAt(requestTimes, now);
  if (allowance.allowed) return null;
  const retryAfterSeconds = Math.max(1, Math.ceil(allowance.waitMs / 1000));
  return {
    ok: false,
    error: "RATE_LIMIT_EXCEEDED",
    message: `You have started ${maxExportsPerWindow} data exports in the last ${durationInWords(exportAllowanceWindowMs / 1000)}, the most allowed. You can start another in ${durationInWords(retryAfterSeconds)}.`,
    retryAfterSeconds,
  };
}
