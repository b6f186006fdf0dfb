import {
  checkAddressProven,
  err,
  ok,
  type Result,
  type Session,
  type TOTPFactor,
  turningOnTwoFactor,
  type User,
} from "@superoauth/domain";
import { OverloadedError } from "../../overloaded-error.ts";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";

/** What an authenticator app needs: the secret, as text, as a URI and as a QR code. */
export interface TwoFactorSetup {
  readonly secret: string;
  readonly otpauthURL: string;
  /** A `data:image/...` URL of the QR code of `otpauthURL`. */
  readonly qrCode: string;
  /** With `keepPending`: true when this is the set-up already waiting (its key may be in the app). */
  readonly resumed?: boolean;
}

/**
 * Starts setting up TOTP: a new secret, stored encrypted as a pending factor
 * (replacing an unconfirmed one) until a first code confirms it; only once the account's address is
 * verified (`checkAddressProven`). Enabling needs a
 * fresh proof; it is asked here already, so a person re-authenticates before
 * scanning a QR code rather than after. With `keepPending`, a setup begun in this session and still
 * waiting for its first code is shown again instead (the account center: a person who went back and
 * pressed "Set up" again has that key in their app already, and a new one would refuse its codes).
 */
export async function setUpTwoFactor(
  deps: Dependencies,
  input: { session: Session; keepPending?: boolean },
): Promise<
  Result<
    TwoFactorSetup,
    "TWO_FACTOR_ALREADY_ENABLED" | "USER_NOT_FOUND" | "REAUTH_REQUIRED" | "EMAIL_NOT_VERIFIED"
  >
> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const user = await deps.users.findUserById(input.session.userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  const existing = await deps.twoFactor.findTOTPFactor(user.id);
  if (existing?.status === "enabled") return alreadyEnabled();
  const allowed = checkAddressProven(user, turningOnTwoFactor);
  if (!allowed.ok) return allowed;
  const resumable = await resumableSetup(deps, {
    session: input.session,
    user,
    factor: existing,
    keepPending: input.keepPending,
  });
  if (resumable !== null) return ok(resumable);
  const secret = deps.totp.generateTOTPSecret();
  // Written only over the state read: of two set-ups at once (a double submit, two tabs), one
  // stores its key and the other never shows a key that is not the one stored.
  const saved = await deps.twoFactor.savePendingTOTPFactor({
    userId: user.id,
    encryptedSecret: deps.secretCipher.encryptSecret({ plaintext: secret, associatedData: user.id }),
    now: deps.clock.now(),
    over: existing?.status === "pending" ? existing.encryptedSecret : null,
  });
  if (saved === "already-enabled") return alreadyEnabled();
  if (saved === "changed") {
    // The account center shows the set-up that was stored instead, when this session began it
    // (the same rule as above); anything else is answered 503, to be tried again.
    const now = await deps.twoFactor.findTOTPFactor(user.id);
    if (now?.status === "enabled") return alreadyEnabled();
    const stored = await resumableSetup(deps, {
      session: input.session,
      user,
      factor: now,
      keepPending: input.keepPending,
    });
    if (stored !== null) return ok(stored);
    throw new OverloadedError({
      message: "another two-factor set-up of the account was saved while this one ran",
      retryAfterSeconds: 1,
      publicMessage:
        "Another two-factor set-up of this account was started at the same moment. Start it again, and use the key shown then.",
    });
  }
  return ok(await presentSetup(deps, { secret, accountName: user.email }));
}

/**
 * With `keepPending`, the pending set-up `factor` shown again (`resumed`) when this session began
 * it; null otherwise. Only a set-up begun in this session: one left by an earlier session (a
 * thief's, before the owner took the account back) would show the owner a key someone else knows.
 */
async function resumableSetup(
  deps: Dependencies,
  input: { session: Session; user: User; factor: TOTPFactor | null; keepPending: boolean | undefined },
): Promise<TwoFactorSetup | null> {
  const { factor } = input;
  if (
    input.keepPending !== true ||
    factor?.status !== "pending" ||
    factor.createdAt.getTime() < input.session.createdAt.getTime()
  ) {
    return null;
  }
  return { ...(await presentPending(deps, { user: input.user, factor })), resumed: true };
}

/**
 * The setup still waiting for its first code, shown again (after a mistyped code, the person checks
 * the key they typed): the pending factor's secret, decrypted, as `setUpTwoFactor` showed it; null
 * when there is no pending factor (none, or already enabled).
 */
export async function findPendingTwoFactorSetup(
  deps: Dependencies,
  input: { session: Session },
): Promise<TwoFactorSetup | null> {
  const factor = await deps.twoFactor.findTOTPFactor(input.session.userId);
  if (factor?.status !== "pending") return null;
  const user = await deps.users.findUserById(input.session.userId);
  if (user === null) return null;
  return presentPending(deps, { user, factor });
}

/** A pending factor's secret, decrypted, as `setUpTwoFactor` showed it. */
function presentPending(
  deps: Pick<Dependencies, "totp" | "secretCipher">,
  input: { user: Pick<User, "id" | "email">; factor: TOTPFactor },
): Promise<TwoFactorSetup> {
  const secret = deps.secretCipher.decryptSecret({
    ciphertext: input.factor.encryptedSecret,
    associatedData: input.user.id,
  });
  return presentSetup(deps, { secret, accountName: input.user.email });
}

/** What an authenticator app is shown of a secret: as text, as an otpauth URI and as its QR code. */
async function presentSetup(
  deps: Pick<Dependencies, "totp">,
  input: { secret: string; accountName: string },
): Promise<TwoFactorSetup> {
  const otpauthURL = deps.totp.createOtpauthURL(input);
  return { secret: input.secret, otpauthURL, qrCode: await deps.totp.renderQRCode(otpauthURL) };
}

function alreadyEnabled() {
  return err("TWO_FACTOR_ALREADY_ENABLED", "Two-factor authentication is already on; turn it off first");
}
