import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { describe, expect, it } from "vitest";
import { composeService } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";

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
    const parsed = parseConfig(
      {
        NODE_ENV: "test",
        DATABASE_URL: database.url(),
        JWT_SECRET: "housekeeping-secret-0123456789-abcdefghijkl",
      },
      () => "unused",
    );
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const service = await composeService(parsed.config, undefined);
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
