/**
 * A moment as people read it, in UTC, for mails and pages: `2026-11-30 15:20 UTC`, or with its
 * seconds `2026-11-30 15:20:07 UTC` (the status page's check time). Never the raw ISO form, which a
 * screen reader reads out character by character.
 */
export function utcText(date: Date, precision: "minute" | "second" = "minute"): string {
  return `${date
    .toISOString()
    .slice(0, precision === "minute" ? 16 : 19)
    .replace("T", " ")} UTC`;
}
