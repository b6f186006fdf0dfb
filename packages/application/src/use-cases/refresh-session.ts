import {
  checkUserMaySignIn,
  decideRefresh,
  err,
  ok,
  parseRefreshToken,
  type Result,
} from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import { mintRefreshToken, pairTokens, type TokenPair } from "./start-session.ts";

const invalid = err("INVALID_REFRESH_TOKEN", "Refresh token is invalid, expired or revoked");

/**
 * Exchanges a refresh token for a new pair. The presented token is rotated; a
 * rotated token presented again revokes its whole session (reuse detection),
 * except for the grace period described in decideRefresh.
 */
export async function refreshSession(
  deps: Dependencies,
  input: { refreshToken: string },
): Promise<Result<TokenPair, "INVALID_REFRESH_TOKEN" | "ACCOUNT_DISABLED">> {
  const presented = parseRefreshToken(input.refreshToken);
  if (presented === null) return invalid;
  let stored = await deps.sessions.findRefreshToken(presented.id);
  if (stored === null) return invalid;
  if (!deps.secretHasher.secretMatchesHash({ secret: presented.secret, hash: stored.token.secretHash })) {
    return invalid;
  }
  const now = deps.clock.now();

  for (let attempt = 0; attempt < 2; attempt++) {
    const decision = decideRefresh({
      token: stored.token,
      session: stored.session,
      successor: stored.successor,
      now,
      graceMs: deps.settings.refreshReuseGraceMs,
      maxSessionAgeMs: deps.settings.sessionMaxAgeMs,
    });
    switch (decision.kind) {
      case "reject":
        return invalid;
      case "reuse-detected":
        await deps.sessions.revokeSession({ sessionId: stored.session.id, now });
        await recordSecurityEvent(deps, {
          userId: stored.session.userId,
          type: "refresh_token_reuse_detected",
          details: { sessionId: stored.session.id },
        });
        return invalid;
      case "reissue-within-grace":
      case "rotate": {
        const user = await deps.users.findUserById(stored.session.userId);
        if (user === null) return invalid;
        const allowed = checkUserMaySignIn(user);
        if (!allowed.ok) return allowed;
        const next = mintRefreshToken(deps, { sessionId: stored.session.id, parentId: stored.token.id, now });
        if (decision.kind === "reissue-within-grace") {
          await deps.sessions.addRefreshToken({ token: next.token, now });
        } else {
          const rotation = await deps.sessions.rotateRefreshToken({
            rotatedId: stored.token.id,
            replacement: next.token,
            now,
          });
          if (rotation === "already-rotated") {
            // A concurrent request rotated it first: decide again on what it wrote.
            const reread = await deps.sessions.findRefreshToken(presented.id);
            if (reread === null) return invalid;
            stored = reread;
            continue;
          }
        }
        return ok(
          await pairTokens(deps, {
            userId: user.id,
            sessionId: stored.session.id,
            refreshToken: next.presented,
            now,
          }),
        );
      }
    }
  }
  return invalid;
}
