import type { Session } from "@superoauth/domain";
import type { Dependencies } from "../ports/index.ts";
import { enableTwoFactor } from "../use-cases/two-factor/enable-two-factor.ts";
import { setUpTwoFactor } from "../use-cases/two-factor/set-up-two-factor.ts";
import { generateBackupCodes } from "../use-cases/two-factor/steps/generate-backup-codes.ts";
import type { ManualClock } from "./in-memory.ts";
import { InMemoryTOTPService } from "./in-memory-two-factor.ts";
import { unwrap } from "./use-case-helpers.ts";

/**
 * Sets up and enables TOTP for the user of a freshly signed-in session over in-memory ports, its
 * address verified first (2FA is turned on only then); returns the secret and the backup codes.
 */
export async function enableTwoFactorFor(
  deps: Dependencies & { clock: ManualClock },
  session: Session,
): Promise<{ secret: string; backupCodes: string[]; codeNow: () => string }> {
  await deps.users.markEmailVerified({ userId: session.userId, now: deps.clock.now() });
  const { secret } = unwrap(await setUpTwoFactor(deps, { session }));
  const codeNow = () => InMemoryTOTPService.codeAt(secret, deps.clock.now());
  const { backupCodes } = unwrap(await enableTwoFactor(deps, { session, code: codeNow() }));
  // The confirming code's step is spent: move to the next step so codeNow() gives a usable code.
  deps.clock.advance(30_000);
  return { secret, backupCodes, codeNow };
}

/**
 * A second factor on the session's account while its address is still unverified, as the service
 * allowed before 2FA waited for the address's proof (checkAddressProven): such factors may
 * still be in a database, and the address's first proof turns them off. Written through the
 * repository as enableTwoFactor wrote it then; returns the secret and the backup codes.
 */
export async function enableTwoFactorOnUnverifiedAddress(
  deps: Dependencies & { clock: ManualClock },
  session: Session,
): Promise<{ secret: string; backupCodes: string[] }> {
  const userId = session.userId;
  const secret = deps.totp.generateTOTPSecret();
  const encryptedSecret = deps.secretCipher.encryptSecret({ plaintext: secret, associatedData: userId });
  await deps.twoFactor.savePendingTOTPFactor({ userId, encryptedSecret, now: deps.clock.now() });
  const backup = await generateBackupCodes(deps, { userId });
  const enabled = await deps.twoFactor.enableTOTPFactor({
    userId,
    confirmedSecret: encryptedSecret,
    usedStep: 0,
    backupCodes: backup.stored,
    now: deps.clock.now(),
  });
  if (enabled !== "enabled") throw new Error(`enableTwoFactorOnUnverifiedAddress: ${enabled}`);
  return { secret, backupCodes: backup.codes };
}
