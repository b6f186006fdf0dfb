/**
 * How long ago `then` was at `now`, in milliseconds, counting an instant after `now` as that far in
 * the past. An instant ahead of this clock was written by a clock that was ahead: another instance's
 * (skew, which `pnpm run doctor` keeps within seconds), or this one's before it stepped back (NTP
 * correcting it), and how long ago it really was is not known. Measured plainly it would be younger
 * than zero, and stay "recent" until this clock caught up with it: after a step of a year, a lock,
 * a refresh token's grace or a fresh proof would hold for a year. Measured by its distance, a window
 * anchored ahead holds at most its own length, and a clock that steps back by N lengthens one by at
 * most N. Every window the service measures between requests goes through this (docs/decisions/0055).
 */
export function timeSince(then: Date, now: Date): number {
  return Math.abs(now.getTime() - then.getTime());
}
