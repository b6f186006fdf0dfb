import type { JWK, SigningAlgorithm, SigningKeyStore, StoredSigningKey } from "@superoauth/application";
import type { Selectable } from "kysely";
import type { SigningKeysTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";

/**
 * The SigningKeyStore port over the `signing_keys` table (ADR 0021). The unique (algorithm,
 * generation) key decides concurrent adds; expired keys are never listed and the prune (or the
 * next rotation) deletes them.
 */
export function createSigningKeyStore({ db, dialect }: SQLContext): SigningKeyStore {
  return {
    async list({ now }): Promise<readonly StoredSigningKey[]> {
      const rows = await db
        .selectFrom("signing_keys")
        .selectAll()
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
        .orderBy("created_at", "desc")
        .orderBy("generation", "desc")
        .orderBy("algorithm", "asc")
        .execute();
      return rows.map(toStoredSigningKey);
    },

    async add(key): Promise<"added" | "generation-taken"> {
      try {
        await db
          .insertInto("signing_keys")
          .values({
            kid: key.kid,
            algorithm: key.algorithm,
            generation: key.generation,
            public_jwk: JSON.stringify(key.publicJWK),
            encrypted_private_jwk: key.encryptedPrivateJWK,
            created_at: key.createdAt,
            activated_at: key.activatedAt,
            retired_at: key.retiredAt,
            expires_at: key.expiresAt,
          })
          .execute();
        return "added";
      } catch (error) {
        // The unique (algorithm, generation): another instance added this generation first. A kid
        // collision (a thumbprint of a new key pair) cannot happen and is left to throw.
        if (dialect.isUniqueViolation(error) && (await generationTaken(key))) return "generation-taken";
        throw error;
      }
    },

    async retireOlder({ algorithm, generation, retiredAt, expiresAt }): Promise<void> {
      await db
        .updateTable("signing_keys")
        .set({ retired_at: retiredAt, expires_at: expiresAt })
        .where("algorithm", "=", algorithm)
        .where("generation", "<", generation)
        .where("retired_at", "is", null)
        .execute();
    },

    async remove({ kid }): Promise<boolean> {
      const result = await db.deleteFrom("signing_keys").where("kid", "=", kid).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async removeExpired({ now }): Promise<number> {
      const result = await db.deleteFrom("signing_keys").where("expires_at", "<", now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };

  async function generationTaken(key: StoredSigningKey): Promise<boolean> {
    const row = await db
      .selectFrom("signing_keys")
      .select("kid")
      .where("algorithm", "=", key.algorithm)
      .where("generation", "=", key.generation)
      .executeTakeFirst();
    return row !== undefined && row.kid !== key.kid;
  }
}

function toStoredSigningKey(row: Selectable<SigningKeysTable>): StoredSigningKey {
  return {
    kid: row.kid,
    algorithm: row.algorithm as SigningAlgorithm,
    generation: Number(row.generation),
    publicJWK: JSON.parse(row.public_jwk) as JWK,
    encryptedPrivateJWK: row.encrypted_private_jwk,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    expiresAt: row.expires_at,
  };
}
