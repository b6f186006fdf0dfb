import { createHash } from "node:crypto";
import { testId } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import type { Storage } from "../src/storage.ts";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const expiresAt = new Date("2030-01-01T00:00:00.000Z");

/** What the oidc_models table holds, read with plain SQL (ADR 0017): no token a client could present. */
export function oidcModelStoreAtRest(name: string, storage: () => Storage): void {
  describe(`oidc_models at rest: ${name}`, () => {
    it("keeps a token-bearing id only as its SHA-256, in the key and nowhere in the payload", async () => {
      const { db, oidcModels } = storage();
      const [token, grantId] = [`rt-${testId()}`, testId()];
      await oidcModels.upsert({
        model: "RefreshToken",
        id: token,
        payload: { jti: token, kind: "RefreshToken", grantId, accountId: "acc", clientId: "app" },
        expiresAt,
      });
      const rows = await db.selectFrom("oidc_models").selectAll().where("grant_id", "=", grantId).execute();
      expect(rows).toEqual([
        {
          model: "RefreshToken",
          id: sha256(token),
          payload: JSON.stringify({ kind: "RefreshToken", grantId, accountId: "acc", clientId: "app" }),
          grant_id: grantId,
          uid: null,
          user_code: null,
          account_id: "acc",
          client_id: "app",
          expires_at: expiresAt,
          consumed_at: null,
        },
      ]);
    });

    it("keeps the id of a model that bears no token as it is, with its secondary keys as columns", async () => {
      const { db, oidcModels } = storage();
      const [id, uid] = [testId(), testId()];
      await oidcModels.upsert({ model: "Session", id, payload: { jti: id, uid }, expiresAt: null });
      const row = await db
        .selectFrom("oidc_models")
        .select(["id", "uid", "payload"])
        .where("model", "=", "Session")
        .where("uid", "=", uid)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ id, uid, payload: JSON.stringify({ jti: id, uid }) });
    });

    it("keeps a device code's user code as a column and the code itself hashed", async () => {
      const { db, oidcModels } = storage();
      const [code, userCode] = [`dc-${testId()}`, `UC-${testId()}`];
      await oidcModels.upsert({ model: "DeviceCode", id: code, payload: { jti: code, userCode }, expiresAt });
      const row = await db
        .selectFrom("oidc_models")
        .select(["id", "payload"])
        .where("user_code", "=", userCode)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ id: sha256(code), payload: JSON.stringify({ userCode }) });
    });
  });
}
