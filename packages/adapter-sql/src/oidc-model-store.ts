import { createHash } from "node:crypto";
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
} from "@superoauth/application";
import type { ExpressionBuilder } from "kysely";
import type { Database } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { precompileQuery } from "./precompiled-query.ts";

/**
 * The OIDCModelStore port over the `oidc_models` table (ADR 0017). Token-bearing ids are stored as
 * their SHA-256 (hex) and left out of the stored payload; a lookup hashes the presented id the same
 * way, so the table holds nothing a client could present. Consumption is one conditional UPDATE.
 * Expired rows are never returned and the scheduled prune deletes them (pruneExpiredRecords).
 */
export function createOIDCModelStore({ db, dialect }: SQLContext): OIDCModelStore {
  type Row = { id: string; payload: string; consumed_at: Date | null; expires_at: Date | null };

  const toRecord = (row: Row, jti: string): OIDCModelRecord => ({
    payload: { ...(JSON.parse(row.payload) as OIDCPayload), jti },
    consumedAt: row.consumed_at,
    expiresAt: row.expires_at,
  });

  // What every token request runs (finds, the consumption of a code or refresh token, the saves of
  // what it issues), compiled once (precompiled-query.ts): Kysely's building took about a tenth of
  // the token endpoint's server time (docs/performance.md, the thirty-ninth session).
  const selectLive = (column: "id" | "uid" | "user_code") =>
    precompileQuery(db, ["model", "value", "now"], (input: { model: string; value: string; now: Date }) =>
      db
        .selectFrom("oidc_models")
        .select(["id", "payload", "consumed_at", "expires_at"])
        .where("model", "=", input.model)
        .where(column, "=", input.value)
        .where(live(input.now)),
    );
  const selectLiveBy = { id: selectLive("id"), uid: selectLive("uid"), user_code: selectLive("user_code") };
  const consumeLive = precompileQuery(
    db,
    ["model", "id", "now"],
    (input: { model: string; id: string; now: Date }) =>
      db
        .updateTable("oidc_models")
        .set({ consumed_at: input.now })
        .where("model", "=", input.model)
        .where("id", "=", input.id)
        .where("consumed_at", "is", null)
        .where(live(input.now)),
  );
  const upsertRecord = precompileQuery(
    db,
    ["model", "id", "payload", "grant_id", "uid", "user_code", "account_id", "client_id", "expires_at"],
    (input: { model: string; id: string } & RecordColumns) => {
      const { model, id, ...row } = input;
      return dialect.upsert(db.insertInto("oidc_models").values({ model, id, ...row, consumed_at: null }), {
        key: ["model", "id"],
        // consumed_at stays: a record once consumed is never made usable again by a later save.
        set: row,
      });
    },
  );
  const deleteRecord = precompileQuery(db, ["model", "id"], (input: { model: string; id: string }) =>
    db.deleteFrom("oidc_models").where("model", "=", input.model).where("id", "=", input.id),
  );

  const findBy = async (
    model: OIDCModelName,
    column: "uid" | "user_code",
    value: string,
    now: Date,
  ): Promise<OIDCModelRecord | null> => {
    const [row] = (await selectLiveBy[column]({ model, value, now })).rows;
    if (row === undefined) return null;
    // The raw id of a token-bearing row is not known here: name the row itself (storedOIDCIdPrefix).
    return toRecord(row, tokenBearingOIDCModels.has(model) ? `${storedOIDCIdPrefix}${row.id}` : row.id);
  };

  return {
    async upsert({ model, id, payload, expiresAt }): Promise<void> {
      const storedId = id.startsWith(storedOIDCIdPrefix)
        ? id.slice(storedOIDCIdPrefix.length)
        : keyOf(model, id);
      await upsertRecord({ model, id: storedId, ...columnsOf(model, payload, expiresAt) });
    },

    async find({ model, id, now }): Promise<OIDCModelRecord | null> {
      const [row] = (await selectLiveBy.id({ model, value: keyOf(model, id), now })).rows;
      return row === undefined ? null : toRecord(row, id);
    },

    findByUid: ({ model, uid, now }) => findBy(model, "uid", uid, now),

    async findAllByUid({ model, uid, now }): Promise<readonly OIDCModelRecord[]> {
      if (tokenBearingOIDCModels.has(model)) throw new Error(`findAllByUid: ${model} bears tokens`);
      return (await selectLiveBy.uid({ model, value: uid, now })).rows.map((row) => toRecord(row, row.id));
    },

    findByUserCode: ({ model, userCode, now }) => findBy(model, "user_code", userCode, now),

    async consume({ model, id, now }): Promise<"consumed" | "not-consumable"> {
      // One statement, so the database decides the race: the library reads the record, sees it
      // unconsumed, then consumes; only the caller whose UPDATE changed the row may go on.
      const result = await consumeLive({ model, id: keyOf(model, id), now });
      return result.numAffectedRows === 1n ? "consumed" : "not-consumable";
    },

    async claim({ model, id, payload, expiresAt, now }): Promise<"claimed" | "taken"> {
      if (tokenBearingOIDCModels.has(model)) throw new Error(`claim: ${model} bears tokens`);
      const columns = { ...columnsOf(model, payload, expiresAt), consumed_at: null };
      // An expired holder no longer counts: take its row over. One conditional UPDATE, so of
      // concurrent claimers exactly one changes it; the others, run after it under its row lock,
      // find it live again. Taken over in place rather than deleted and inserted anew: InnoDB
      // makes concurrent INSERTs of a just-deleted key deadlock (each holds a shared lock on the
      // deleted record and wants it exclusive), which a retry does not cure while the record waits
      // for purge.
      const takenOver = await db
        .updateTable("oidc_models")
        .set(columns)
        .where("model", "=", model)
        .where("id", "=", id)
        .where("expires_at", "<=", now)
        .executeTakeFirst();
      if (takenOver.numUpdatedRows === 1n) return "claimed";
      // No holder, or a live one: the unique key decides the race, one INSERT adds the row and the
      // others add nothing.
      const result = await dialect
        .insertIgnore(db.insertInto("oidc_models").values({ model, id, ...columns }))
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n ? "claimed" : "taken";
    },

    async destroy({ model, id }): Promise<void> {
      const storedId = id.startsWith(storedOIDCIdPrefix)
        ? id.slice(storedOIDCIdPrefix.length)
        : keyOf(model, id);
      await deleteRecord({ model, id: storedId });
    },

    async revokeByGrantId(grantId: string): Promise<void> {
      await db
        .deleteFrom("oidc_models")
        .where("grant_id", "=", grantId)
        .where("model", "!=", signInUnderWayOIDCModel)
        .execute();
    },

    async revokeByClient(clientId: string): Promise<void> {
      await db.deleteFrom("oidc_models").where("client_id", "=", clientId).execute();
    },

    async revokeByAccountAndClient({ accountId, clientId }): Promise<void> {
      await db
        .deleteFrom("oidc_models")
        .where("account_id", "=", accountId)
        .where("client_id", "=", clientId)
        .execute();
    },

    async revokeTokensByAccountAndClient({ accountId, clientId }): Promise<void> {
      await db
        .deleteFrom("oidc_models")
        .where("account_id", "=", accountId)
        .where("client_id", "=", clientId)
        .where("model", "in", [...tokenBearingOIDCModels])
        .execute();
    },

    async revokeByAccount(accountId: string): Promise<void> {
      await db.deleteFrom("oidc_models").where("account_id", "=", accountId).execute();
    },
  };
}

/** A record's columns: its payload (a token-bearing one without its id) and the keys read from it. */
type RecordColumns = {
  readonly payload: string;
  readonly grant_id: string | null;
  readonly uid: string | null;
  readonly user_code: string | null;
  readonly account_id: string | null;
  readonly client_id: string | null;
  readonly expires_at: Date | null;
};

function columnsOf(model: OIDCModelName, payload: OIDCPayload, expiresAt: Date | null): RecordColumns {
  const { jti: _jti, ...withoutId } = payload;
  return {
    payload: JSON.stringify(tokenBearingOIDCModels.has(model) ? withoutId : payload),
    grant_id: stringOrNull(payload.grantId),
    uid: stringOrNull(payload.uid),
    user_code: stringOrNull(payload.userCode),
    account_id: accountOfOIDCPayload(payload),
    client_id: clientOfOIDCPayload(payload),
    expires_at: expiresAt,
  };
}

/** Not expired at `now`: no expiry, or one still ahead. */
export function live(now: Date) {
  return (eb: ExpressionBuilder<Database, "oidc_models">) =>
    eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]);
}

/** The stored id: the SHA-256 (hex) of a token-bearing model's id, the id itself otherwise. */
function keyOf(model: OIDCModelName, id: string): string {
  return tokenBearingOIDCModels.has(model) ? createHash("sha256").update(id).digest("hex") : id;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
