import type { Session } from "@superoauth/domain";
import type { Dependencies } from "../ports/index.ts";
import { enableTwoFactor } from "../use-cases/two-factor/enable-two-factor.ts";
import { setUpTwoFactor } from "../use-cases/two-factor/set-up-two-factor.ts";
import type { ManualClock } from "./in-memory.ts";
import { InMemoryTOTPService } from "./in-memory-two-factor.ts";
import { unwrap } from "./use-case-helpers.ts";

/**
 * Sets up and enables TOTP for the user of a freshly signed-in session over in-memory ports;
 * returns the secret and the backup codes.
 */
export async function enableTwoFactorFor(
  deps: Dependencies & { clock: ManualClock },
  session: Session,
): Promise<{ secret: string; backupCodes: string[]; codeNow: () => string }> {
  const { secret } = unwrap(await setUpTwoFactor(deps, { session }));
  const codeNow = () => InMemoryTOTPService.codeAt(secret, deps.clock.now());
  const { backupCodes } = unwrap(await enableTwoFactor(deps, { session, code: codeNow() }));
  // The confirming code's step is spent: move to the next step so codeNow() gives a usable code.
  deps.clock.advance(30_000);
  return { secret, backupCodes, codeNow };
}
