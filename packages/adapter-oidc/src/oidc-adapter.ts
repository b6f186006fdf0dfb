import type { Clock, OIDCModelRecord, OIDCModelStore } from "@superoauth/application";
import { type Adapter, type AdapterConstructor, type AdapterPayload, errors } from "oidc-provider";

/**
 * The storage adapter oidc-provider takes (its `adapter` setting: `new Adapter(name)` per model,
 * with the seven methods of its docs/README.md "adapter" section), over the OIDCModelStore the
 * storage provides (ADR 0017). Thin on purpose: ids, hashing and single use are the store's.
 */
export function createOIDCAdapter(input: { store: OIDCModelStore; clock: Clock }): AdapterConstructor {
  const { store, clock } = input;
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
      return payloadOf(await store.find({ model: this.model, id, now: clock.now() }));
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

/** The payload as the library reads it: `consumed` (epoch seconds, as its own adapter sets it) once used. */
function payloadOf(record: OIDCModelRecord | null): AdapterPayload | undefined {
  if (record === null) return undefined;
  const payload = { ...record.payload } as AdapterPayload;
  if (record.consumedAt !== null) payload.consumed = Math.floor(record.consumedAt.getTime() / 1000);
  return payload;
}
