import { err, ok, type Result } from "@superoauth/domain";
import { type SigningAlgorithm, signingAlgorithms } from "../../ports/signing-keys.ts";
import { loadSigningKeys } from "./load-signing-keys.ts";
import {
  activeSigningKey,
  addSigningKey,
  nextGeneration,
  type SigningKeyDependencies,
} from "./signing-key-set.ts";

/** What a rotation did. */
export interface SigningKeyRotation {
  /**
   * The keys that sign from now on. `byAnotherRotation`: a rotation running at the same time stored
   * the next generation first, so this one's key was not stored and the other's signs.
   */
  readonly added: readonly {
    readonly kid: string;
    readonly algorithm: SigningAlgorithm;
    readonly byAnotherRotation: boolean;
    /** When it starts signing: published now, signing after `publishLeadMs` (at once for a removal). */
    readonly signsFrom: Date;
  }[];
  /** The keys they replaced: still published and verifying until `expiresAt`. */
  readonly retired: readonly {
    readonly kid: string;
    readonly algorithm: SigningAlgorithm;
    readonly expiresAt: Date;
  }[];
  /** The key deleted at once, when one was asked for. */
  readonly removed: string | null;
  /** How many keys whose tokens had all expired were deleted. */
  readonly expiredRemoved: number;
}

/**
 * Adds a new signing key for every algorithm (or, with `remove`, for the removed key's algorithm
 * when it is the one that signs) and retires the keys it replaces. The new key is published at
 * once and signs `publishLeadMs` later, the replaced one signing until then (so a verifier has
 * fetched the new key before any token names it); the replaced keys stay published and verifying
 * until every token they signed has expired (`retiredKeyLifetimeMs` after that), then the prune or
 * the next rotation deletes them. `remove` deletes one key at once: its tokens stop verifying, and
 * when it was signing its replacement signs at once (a leaked key must not sign another token).
 * Of concurrent rotations of one algorithm one adds the next generation; the others keep it.
 */
export async function rotateSigningKeys(
  deps: SigningKeyDependencies,
  input: { remove?: string } = {},
): Promise<Result<SigningKeyRotation, "NOT_FOUND">> {
  const before = await loadSigningKeys(deps);
  const now = deps.clock.now();
  let algorithms = signingAlgorithms;
  if (input.remove !== undefined) {
    const target = before.keys.find((key) => key.kid === input.remove);
    if (target === undefined) return err("NOT_FOUND", `No published signing key has the kid ${input.remove}`);
    // A signing key is replaced before it goes, so its algorithm always has one.
    algorithms =
      activeSigningKey(before, target.algorithm, now)?.kid === target.kid ? [target.algorithm] : [];
  }

  const stored = await deps.signingKeys.list({ now });
  const signsFrom = new Date(now.getTime() + (input.remove === undefined ? deps.publishLeadMs : 0));
  const expiresAt = new Date(signsFrom.getTime() + deps.retiredKeyLifetimeMs);
  const ours = new Set<string>();
  for (const algorithm of algorithms) {
    const generation = nextGeneration(stored, algorithm);
    const { outcome, kid } = await addSigningKey(deps, {
      algorithm,
      generation,
      now,
      activatedAt: signsFrom,
    });
    if (outcome === "added") ours.add(kid);
    await deps.signingKeys.retireOlder({ algorithm, generation, retiredAt: signsFrom, expiresAt });
  }

  const removed =
    input.remove !== undefined && (await deps.signingKeys.remove({ kid: input.remove }))
      ? input.remove
      : null;
  const expiredRemoved = await deps.signingKeys.removeExpired({ now });

  const after = await deps.signingKeys.list({ now });
  const wasActive = new Set(algorithms.map((algorithm) => activeSigningKey(before, algorithm, now)?.kid));
  return ok({
    added: algorithms.flatMap((algorithm) => {
      const key = after.find((k) => k.algorithm === algorithm && k.retiredAt === null);
      return key === undefined
        ? []
        : [{ kid: key.kid, algorithm, byAnotherRotation: !ours.has(key.kid), signsFrom: key.activatedAt }];
    }),
    retired: after.flatMap((key) =>
      wasActive.has(key.kid) && key.expiresAt !== null
        ? [{ kid: key.kid, algorithm: key.algorithm, expiresAt: key.expiresAt }]
        : [],
    ),
    removed,
    expiredRemoved,
  });
}
