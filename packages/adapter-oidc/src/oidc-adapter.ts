import type { Clock, OIDCModelRecord, OIDCModelStore } from "@superoauth/application";
import Provider, { type Adapter, type AdapterConstructor, type AdapterPayload, errors } from "oidc-provider";

/**
 * The storage adapter oidc-provider takes (its `adapter` setting: `new Adapter(name)` per model,
 * with the seven methods of its docs/README.md "adapter" section), over the OIDCModelStore the
 * storage provides (ADR 0017). Thin on purpose: ids, hashing and single use are the store's.
 */
export function createOIDCAdapter(input: {
  store: OIDCModelStore;
  clock: Clock;
  /**
   * `REFRESH_REUSE_GRACE`: a refresh token used this recently reads as unknown (`invalid_grant`)
   * rather than as used, which revokes the whole grant. Two refreshes of one token at once (two
   * tabs, two workers) are a race, not a theft: one wins, the other is refused, and the app keeps
   * the winner's token. Past it, a used token presented again revokes the grant (RFC 9700
   * §4.14.2). 0: no grace.
   */
  refreshReuseGraceMs?: number;
}): AdapterConstructor {
  const { store, clock } = input;
  const graceMs = input.refreshReuseGraceMs ?? 0;
  return class OIDCAdapter implements Adapter {
    private readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      // expiresIn is in seconds; the library leaves it out for a model that never expires.
      const expiresAt = expiresIn === undefined ? null : new Date(clock.now().getTime() + expiresIn * 1000);
      await store.upsert({ model: this.model, id, payload: { ...payload }, expiresAt });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === replayDetectionModel) return this.claim(id);
      const now = clock.now();
      const record = await store.find({ model: this.model, id, now });
      // Not at the revocation endpoint: an app revoking (RFC 7009) a token it has just rotated, or
      // is rotating in another request, means to end the grant, as it does past the grace (the
      // grace read it as unknown, and the revocation revoked nothing while the refresh went on).
      if (
        this.model === "RefreshToken" &&
        Provider.ctx?.oidc?.route !== "revocation" &&
        record?.consumedAt != null &&
        now.getTime() - record.consumedAt.getTime() < graceMs
      )
        return undefined;
      return payloadOf(record);
    }

    /**
     * The library's replay check (`ReplayDetection.unique`: a DPoP proof's or a client assertion's
     * jti) reads the id, and saves it only if nothing was found: two requests with one proof at the
     * same instant would both find nothing and both pass. So the read claims the id, atomically:
     * the one caller that claims it is told "nothing found" and goes on to save (over the claim,
     * with the proof's own expiry); every other is told it exists: a replay (ADR 0017).
     */
    private async claim(id: string): Promise<AdapterPayload | undefined> {
      const now = clock.now();
      const outcome = await store.claim({
        model: this.model,
        id,
        payload: { jti: id, kind: replayDetectionModel },
        // Until the library's save replaces it; kept only if that save never comes (a crash).
        expiresAt: new Date(now.getTime() + claimHeldForMs),
        now,
      });
      return outcome === "claimed" ? undefined : { jti: id, kind: replayDetectionModel };
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return payloadOf(await store.findByUid({ model: this.model, uid, now: clock.now() }));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return payloadOf(await store.findByUserCode({ model: this.model, userCode, now: clock.now() }));
    }

    /**
     * The library reads a code or refresh token, sees it unconsumed, then calls this: failing
     * here when another request consumed it first is what keeps one code or refresh token from
     * being redeemed twice at once (RFC 6749 §4.1.2, §10.4; RFC 9700 §4.14.2).
     */
    async consume(id: string): Promise<void> {
      const outcome = await store.consume({ model: this.model, id, now: clock.now() });
      if (outcome === "not-consumable") throw new errors.InvalidGrant(`${this.model} already used`);
    }

    async destroy(id: string): Promise<void> {
      await store.destroy({ model: this.model, id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.revokeByGrantId(grantId);
    }
  };
}

/** oidc-provider's model for seen proof ids (lib/models/replay_detection.js). */
const replayDetectionModel = "ReplayDetection";

/**
 * How long a claimed proof id is held if the library's save never follows: longer than any proof
 * is accepted for (DPoP proofs: the library's 300 s window around `iat`).
 */
const claimHeldForMs = 10 * 60 * 1000;

/** The payload as the library reads it: `consumed` (epoch seconds, as its own adapter sets it) once used. */
function payloadOf(record: OIDCModelRecord | null): AdapterPayload | undefined {
  if (record === null) return undefined;
  const payload = { ...record.payload } as AdapterPayload;
  if (record.consumedAt !== null) payload.consumed = Math.floor(record.consumedAt.getTime() / 1000);
  return payload;
}
