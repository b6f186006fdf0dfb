import {
  decideRefresh,
  err,
  formatRefreshToken,
  ok,
  parseRefreshToken,
  type RefreshTokenId,
  type Result,
} from "@superoauth/domain";
import type { Dependencies, ObservedEvent } from "../../ports/index.ts";
import { endSessionOnReuse } from "./steps/end-session-on-reuse.ts";
import { checkMayHoldSession, sessionMaxAgeOf } from "./steps/may-hold-session.ts";
import { type ClientInfo, mintRefreshToken, pairTokens, type TokenPair } from "./steps/start-session.ts";

const invalid = err("INVALID_REFRESH_TOKEN", "Refresh token is invalid, expired or revoked");

/**
 * Exchanges a refresh token for a new pair. The presented token is rotated; a
 * rotated token presented again revokes its whole session (reuse detection),
 * except for the grace period described in decideRefresh, which hands out the
 * session's one live token again rather than a new one.
 */
export async function refreshSession(
  deps: Dependencies,
  input: { refreshToken: string; client?: ClientInfo },
): Promise<Result<TokenPair, "INVALID_REFRESH_TOKEN" | "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED">> {
  const outcome = await rotateOrReject(deps, input);
  deps.observer?.observe({ type: "refresh", result: outcome.observed });
  return outcome.result;
}

type RefreshOutcome = Extract<ObservedEvent, { type: "refresh" }>["result"];

/** refreshSession's work, answering what it decided as well, for the observer. */
async function rotateOrReject(
  deps: Dependencies,
  input: { refreshToken: string; client?: ClientInfo },
): Promise<{
  result: Result<TokenPair, "INVALID_REFRESH_TOKEN" | "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED">;
  observed: RefreshOutcome;
}> {
  const rejected = { result: invalid, observed: "rejected" } as const;
  const presented = parseRefreshToken(input.refreshToken);
  if (presented === null) return rejected;
  let stored = await deps.sessions.findRefreshToken(presented.id);
  if (stored === null) return rejected;
  if (!deps.secretHasher.secretMatchesHash({ secret: presented.secret, hash: stored.token.secretHash })) {
    return rejected;
  }
  // A disabled account's tokens answer why they stopped working, though disabling revoked their
  // sessions (the secret matched: the presenter held this token). The user came with the token.
  const { user } = stored;
  const mayHold = checkMayHoldSession(deps, user);
  if (!mayHold.ok) return { result: mayHold, observed: "refused" };
  const now = deps.clock.now();
  const graceMs = deps.settings.refreshReuseGraceMs;

  for (let attempt = 0; attempt < 2; attempt++) {
    const decision = decideRefresh({
      token: stored.token,
      session: stored.session,
      successor: stored.successor,
      keptSuccessorSecret: stored.encryptedSuccessorSecret,
      now,
      graceMs,
      maxSessionAgeMs: sessionMaxAgeOf(deps, user),
    });
    if (decision.kind === "reject") return rejected;
    if (decision.kind === "reuse-detected") {
      await endSessionOnReuse(deps, { session: stored.session, now, client: input.client });
      return { result: invalid, observed: "reuse_detected" };
    }
    let refreshToken: string;
    let observed: RefreshOutcome = "rotated";
    if (decision.kind === "return-current-successor") {
      observed = "reissued";
      const { successor } = decision;
      const secret = deps.secretCipher.decryptSecret({
        ciphertext: decision.keptSecret,
        associatedData: keptSecretAssociatedData(successor.id),
      });
      refreshToken = formatRefreshToken({ id: successor.id, secret });
    } else {
      const next = mintRefreshToken(deps, { sessionId: stored.session.id, parentId: stored.token.id, now });
      // Kept encrypted, never in clear, and only for the grace period (docs/decisions/0002).
      const replacementSecret =
        graceMs > 0
          ? {
              encrypted: deps.secretCipher.encryptSecret({
                plaintext: next.secret,
                associatedData: keptSecretAssociatedData(next.token.id),
              }),
              expiresAt: new Date(now.getTime() + graceMs),
            }
          : null;
      const rotation = await deps.sessions.rotateRefreshToken({
        rotatedId: stored.token.id,
        replacement: next.token,
        replacementSecret,
        now,
      });
      if (rotation === "already-rotated") {
        // A concurrent request rotated it first: decide again on what it wrote, which
        // within the grace period hands this request the same successor.
        const reread = await deps.sessions.findRefreshToken(presented.id);
        if (reread === null) return rejected;
        stored = reread;
        continue;
      }
      refreshToken = next.presented;
    }
    const pair = await pairTokens(deps, { userId: user.id, sessionId: stored.session.id, refreshToken, now });
    return { result: ok(pair), observed };
  }
  return rejected;
}

/**
 * Binds a kept secret to its token (AES-GCM associated data), with a purpose prefix so
 * it can never pass for another kind of ciphertext under the same key (a TOTP secret).
 */
function keptSecretAssociatedData(tokenId: RefreshTokenId): string {
  return `refresh-token:${tokenId}`;
}
