import { signingAlgorithms } from "../../ports/signing-keys.ts";
import {
  addSigningKey,
  nextGeneration,
  openSigningKeys,
  type SigningKeyDependencies,
  type SigningKeySet,
} from "./signing-key-set.ts";

/**
 * The published signing keys, newest first, after making sure each algorithm has a key that signs:
 * on the first start (or after an operator removed one) it is generated and stored. Several
 * instances starting at once on an empty table end with one key per algorithm: each tries to add
 * generation 1, the unique key lets one win, and every one answers the winner's key.
 */
export async function loadSigningKeys(deps: SigningKeyDependencies): Promise<SigningKeySet> {
  const now = deps.clock.now();
  let stored = await deps.signingKeys.list({ now });
  const missing = signingAlgorithms.filter(
    (algorithm) => !stored.some((key) => key.algorithm === algorithm && key.retiredAt === null),
  );
  if (missing.length === 0) return openSigningKeys(deps, stored);

  // Expired keys are not listed but may still hold their generation until the prune runs.
  await deps.signingKeys.removeExpired({ now });
  for (const algorithm of missing) {
    await addSigningKey(deps, { algorithm, generation: nextGeneration(stored, algorithm), now });
  }
  stored = await deps.signingKeys.list({ now });
  for (const algorithm of missing) {
    if (!stored.some((key) => key.algorithm === algorithm && key.retiredAt === null)) {
      throw new Error(`No ${algorithm} signing key could be added`);
    }
  }
  return openSigningKeys(deps, stored);
}
