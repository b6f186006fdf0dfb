import { createHash } from "node:crypto";
import type { Clock, OIDCModelStore } from "@superoauth/application";
import type { KoaContextWithOIDC } from "oidc-provider";

/** How often a device polls the token endpoint (RFC 8628 §3.2's default, stated in every answer). */
export const devicePollIntervalSeconds = 5;

/**
 * How far apart two polls of one device code must arrive: the interval less a second, so a
 * device that waits the interval between its requests is never told to slow down by the
 * network's jitter (a request delayed on the way, the next one not).
 */
export const devicePollSpacingMs = (devicePollIntervalSeconds - 1) * 1000;

/** The store's record of a device code's last poll; not token-bearing: its id is the code's hash. */
const devicePollModel = "DevicePoll";

const deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";

export const slowDownDescription = `poll at most every ${devicePollIntervalSeconds} seconds, and 5 seconds less often after each slow_down`;

/**
 * RFC 8628 §3.5: a device that polls sooner than `interval` is told `slow_down`, so a client in a
 * tight loop is told why, not served as fast as it asks. The library defines the error and never
 * answers it: once it has answered `authorization_pending`, the poll claims the device code's
 * poll record for `devicePollSpacingMs` (the store's atomic claim, ADR 0017; shared by every
 * instance), and a poll that finds the record held is answered `slow_down` instead (400, as every
 * device grant refusal). Of two polls at once, exactly one is pending and the other slowed down.
 * A poll that ends the flow (tokens, `access_denied`, `expired_token`) is answered as it is.
 */
export async function slowDownEarlyPoll(
  ctx: KoaContextWithOIDC,
  input: { store: OIDCModelStore; clock: Clock },
): Promise<void> {
  const deviceCode = ctx.oidc.params?.device_code;
  if (ctx.oidc.params?.grant_type !== deviceCodeGrantType || typeof deviceCode !== "string") return;
  const now = input.clock.now();
  const outcome = await input.store.claim({
    model: devicePollModel,
    // The device code is a bearer credential: the store keeps its hash only, as for the code itself.
    id: createHash("sha256").update(deviceCode).digest("base64url"),
    payload: { kind: devicePollModel },
    expiresAt: new Date(now.getTime() + devicePollSpacingMs),
    now,
  });
  if (outcome === "claimed") return;
  ctx.body = { error: "slow_down", error_description: slowDownDescription };
}
