import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { SecretKeyMismatchError } from "@superoauth/application";
import { describe, expect, it } from "vitest";
import { composeService } from "../src/compose.ts";
import { integrationTestConfig, integrationTestSecrets } from "./test-config.ts";

// A TOTP_ENCRYPTION_KEY other than the one the database's 2FA secrets were stored with (another
// instance's, or one changed without keeping the old as previous) stops the start, as a JWT_SECRET
// that does not open the signing keys does. On MySQL in "api" and on SQLite in "api-sqlite".

const database = useTestDatabase();
const otherKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

describe("the start checks TOTP_ENCRYPTION_KEY against the stored 2FA secrets", () => {
  it("refuses a key that opens none of them; starts with the right one, or with the new key and the old as previous", async () => {
    const first = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined);
    const registered = await first.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "keyed@example.com", password: "Integr4tion-pass!", nickname: "keyed" },
    });
    expect(registered.statusCode).toBe(201);
    // 2FA is turned on only on a verified address (as its mailed link would verify it).
    await first.storage.users.markEmailVerified({ userId: registered.json().data.user.id, now: new Date() });
    const setup = await first.app.inject({
      method: "POST",
      url: "/api/v1/auth/2fa/setup",
      headers: { authorization: `Bearer ${registered.json().data.accessToken}` },
    });
    expect(setup.statusCode).toBe(200);
    await first.close();

    await expect(
      composeService(
        integrationTestConfig({ DATABASE_URL: database.url(), TOTP_ENCRYPTION_KEY: otherKey }),
        undefined,
      ),
    ).rejects.toBeInstanceOf(SecretKeyMismatchError);

    const rotating = await composeService(
      integrationTestConfig({
        DATABASE_URL: database.url(),
        TOTP_ENCRYPTION_KEY: otherKey,
        TOTP_ENCRYPTION_KEY_PREVIOUS: integrationTestSecrets.TOTP_ENCRYPTION_KEY,
      }),
      undefined,
    );
    await rotating.close();
    const same = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined);
    await same.close();
  });
});
