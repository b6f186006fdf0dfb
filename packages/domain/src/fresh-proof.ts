import { timeSince } from "./clock.ts";
import type { Session } from "./session.ts";

/** How long a proof of a factor counts as fresh for sensitive changes, unless configured (REAUTH_MAX_AGE). */
export const defaultReauthMaxAgeMs = 5 * 60_000;

/**
 * Whether the session proved a factor recently enough to make a sensitive change (set or change
 * the password, turn 2FA on or off, renew backup codes, link or unlink a provider): within
 * `maxAgeMs` of `now`. A stolen access token is then worth no more than what its session may do
 * without a fresh proof (OWASP ASVS 5.0 V7.5.1, "requires full re-authentication before allowing
 * modifications to sensitive account attributes"; NIST SP 800-63B-4, session management,
 * "Reauthentication"). A proof dated after `now` counts by its distance (timeSince): a second
 * ahead (skew between instances) is fresh, a proof made by a clock an hour fast is not.
 */
export function hasFreshProof(input: {
  session: Pick<Session, "authenticatedAt" | "revokedAt">;
  now: Date;
  maxAgeMs: number;
}): boolean {
  if (input.session.revokedAt !== null) return false;
  return timeSince(input.session.authenticatedAt, input.now) <= input.maxAgeMs;
}
