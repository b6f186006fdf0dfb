import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { describe, expect, it } from "vitest";
import { composeService } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

const database = useTestDatabase();

describe("housekeeping of the composed service", () => {
  it("prunes expired single-use records when it starts", async () => {
    const expired = new Date(Date.now() - 60_000);
    await database
      .db()
      .insertInto("oauth_authorizations")
      .values({
        state_hash: "e".repeat(64),
        provider: "github",
        link_user_id: null,
        created_at: expired,
        expires_at: expired,
      })
      .execute();
    const config = integrationTestConfig({
      DATABASE_URL: database.url(),
    });
    const service = await composeService(config, undefined);
    try {
      const deadline = Date.now() + 5_000;
      let left = 1;
      while (left > 0 && Date.now() < deadline) {
        left = (await database.db().selectFrom("oauth_authorizations").select("state_hash").execute()).length;
        if (left > 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(left).toBe(0);
    } finally {
      await service.close();
    }
  });
});
