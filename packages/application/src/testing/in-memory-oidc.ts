import {
  accountOfOIDCPayload,
  clientOfOIDCPayload,
  type OIDCModelName,
  type OIDCModelRecord,
  type OIDCModelStore,
  type OIDCPayload,
  signInUnderWayOIDCModel,
  storedOIDCIdPrefix,
  tokenBearingOIDCModels,
} from "../ports/oidc.ts";

interface Entry {
  payload: string;
  consumedAt: Date | null;
  expiresAt: Date | null;
}

/**
 * The OIDCModelStore in memory. Nothing is at rest here, so ids are kept as given; the
 * token-bearing records still leave `jti` out of what they keep and answer a stored-row reference
 * when found by user code, as the SQL store does.
 */
export class InMemoryOIDCModelStore implements OIDCModelStore {
  private readonly entries = new Map<string, Entry>();
  /** Stored-row references handed out by findByUserCode, to the id they stand for. */
  private readonly references = new Map<string, string>();

  async upsert(input: {
    model: OIDCModelName;
    id: string;
    payload: OIDCPayload;
    expiresAt: Date | null;
  }): Promise<void> {
    const id = this.resolve(input.id);
    const { jti: _jti, ...rest } = input.payload;
    const payload = tokenBearingOIDCModels.has(input.model) ? rest : input.payload;
    this.entries.set(key(input.model, id), {
      // Kept as JSON, as the SQL store keeps it: what the library reads back is a copy.
      payload: JSON.stringify(payload),
      // A record once consumed stays consumed, whatever is saved over it.
      consumedAt: this.entries.get(key(input.model, id))?.consumedAt ?? null,
      expiresAt: input.expiresAt,
    });
  }

  async find(input: { model: OIDCModelName; id: string; now: Date }): Promise<OIDCModelRecord | null> {
    const entry = this.live(key(input.model, input.id), input.now);
    return entry === null ? null : record(input.model, input.id, input.id, entry);
  }

  async findByUid(input: { model: OIDCModelName; uid: string; now: Date }): Promise<OIDCModelRecord | null> {
    return this.findBy(input.model, "uid", input.uid, input.now);
  }

  async findAllByUid(input: {
    model: OIDCModelName;
    uid: string;
    now: Date;
  }): Promise<readonly OIDCModelRecord[]> {
    if (tokenBearingOIDCModels.has(input.model)) throw new Error(`findAllByUid: ${input.model} bears tokens`);
    const found: OIDCModelRecord[] = [];
    for (const [k, entry] of this.entries) {
      const id = k.slice(input.model.length + 1);
      if (
        k.startsWith(`${input.model}:`) &&
        (JSON.parse(entry.payload) as OIDCPayload).uid === input.uid &&
        this.live(k, input.now) !== null
      )
        found.push(record(input.model, id, id, entry));
    }
    return found;
  }

  async findByUserCode(input: {
    model: OIDCModelName;
    userCode: string;
    now: Date;
  }): Promise<OIDCModelRecord | null> {
    return this.findBy(input.model, "userCode", input.userCode, input.now);
  }

  async consume(input: {
    model: OIDCModelName;
    id: string;
    now: Date;
  }): Promise<"consumed" | "not-consumable"> {
    const entry = this.live(key(input.model, input.id), input.now);
    if (entry === null || entry.consumedAt !== null) return "not-consumable";
    entry.consumedAt = input.now;
    return "consumed";
  }

  async claim(input: {
    model: OIDCModelName;
    id: string;
    payload: OIDCPayload;
    expiresAt: Date;
    now: Date;
  }): Promise<"claimed" | "taken"> {
    if (tokenBearingOIDCModels.has(input.model)) throw new Error(`claim: ${input.model} bears tokens`);
    if (this.live(key(input.model, input.id), input.now) !== null) return "taken";
    this.entries.set(key(input.model, input.id), {
      payload: JSON.stringify(input.payload),
      consumedAt: null,
      expiresAt: input.expiresAt,
    });
    return "claimed";
  }

  async destroy(input: { model: OIDCModelName; id: string }): Promise<void> {
    this.entries.delete(key(input.model, this.resolve(input.id)));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.deleteWhere((payload, model) => payload.grantId === grantId && model !== signInUnderWayOIDCModel);
  }

  async revokeByClient(clientId: string): Promise<void> {
    this.deleteWhere((payload) => clientOfOIDCPayload(payload) === clientId);
  }

  async revokeByAccountAndClient(input: { accountId: string; clientId: string }): Promise<void> {
    this.deleteWhere(
      (payload) =>
        accountOfOIDCPayload(payload) === input.accountId && clientOfOIDCPayload(payload) === input.clientId,
    );
  }

  async revokeTokensByAccountAndClient(input: { accountId: string; clientId: string }): Promise<void> {
    this.deleteWhere(
      (payload, model) =>
        tokenBearingOIDCModels.has(model) &&
        accountOfOIDCPayload(payload) === input.accountId &&
        clientOfOIDCPayload(payload) === input.clientId,
    );
  }

  async revokeByAccount(accountId: string): Promise<void> {
    this.deleteWhere((payload) => accountOfOIDCPayload(payload) === accountId);
  }

  /** Deletes what expired before `now`, as the SQL store's prune does; answers how many. */
  prune(now: Date): number {
    let pruned = 0;
    for (const [k, entry] of this.entries) {
      if (entry.expiresAt !== null && entry.expiresAt.getTime() < now.getTime()) {
        this.entries.delete(k);
        pruned += 1;
      }
    }
    return pruned;
  }

  private deleteWhere(matches: (payload: OIDCPayload, model: OIDCModelName) => boolean): void {
    for (const [k, entry] of this.entries)
      if (matches(JSON.parse(entry.payload) as OIDCPayload, k.slice(0, k.indexOf(":"))))
        this.entries.delete(k);
  }

  /** The id a stored-row reference stands for; any other id as it is. */
  private resolve(id: string): string {
    return this.references.get(id) ?? id;
  }

  private live(k: string, now: Date): Entry | null {
    const entry = this.entries.get(k);
    if (entry === undefined) return null;
    return entry.expiresAt !== null && entry.expiresAt.getTime() <= now.getTime() ? null : entry;
  }

  private findBy(
    model: OIDCModelName,
    field: "uid" | "userCode",
    value: string,
    now: Date,
  ): OIDCModelRecord | null {
    for (const [k, entry] of this.entries) {
      const id = k.slice(model.length + 1);
      if (
        k.startsWith(`${model}:`) &&
        (JSON.parse(entry.payload) as OIDCPayload)[field] === value &&
        this.live(k, now) !== null
      ) {
        if (!tokenBearingOIDCModels.has(model)) return record(model, id, id, entry);
        const reference = `${storedOIDCIdPrefix}${this.references.size + 1}`;
        this.references.set(reference, id);
        return record(model, id, reference, entry);
      }
    }
    return null;
  }
}

function key(model: OIDCModelName, id: string): string {
  return `${model}:${id}`;
}

function record(model: OIDCModelName, id: string, reference: string, entry: Entry): OIDCModelRecord {
  const payload = JSON.parse(entry.payload) as OIDCPayload;
  return {
    payload: tokenBearingOIDCModels.has(model) ? { ...payload, jti: reference } : { ...payload, jti: id },
    consumedAt: entry.consumedAt,
    expiresAt: entry.expiresAt,
  };
}
