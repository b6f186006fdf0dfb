/**
 * A wait in words, for what people read (the pages' rate-limit refusal, the lockout message):
 * "N seconds" under a minute ("1 second"), else whole minutes rounded up ("15 minutes").
 */
export function durationInWords(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return whole === 1 ? "1 second" : `${whole} seconds`;
  const minutes = Math.ceil(whole / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
