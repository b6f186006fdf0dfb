/**
 * A wait in words, for what people read (the pages' rate-limit refusal, the lockout message):
 * "N seconds" under a minute ("1 second"), whole minutes rounded up under two hours ("15 minutes",
 * "90 minutes"), whole hours rounded up under two days ("24 hours"), else whole days rounded up
 * ("30 days"): a LOCKOUT_DURATION or RATE_LIMIT_WINDOW of a day is "24 hours", not "1440 minutes".
 */
export function durationInWords(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return whole === 1 ? "1 second" : `${whole} seconds`;
  const minutes = Math.ceil(whole / 60);
  if (minutes < 120) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const hours = Math.ceil(whole / 3600);
  if (hours < 48) return `${hours} hours`;
  return `${Math.ceil(whole / 86_400)} days`;
}
