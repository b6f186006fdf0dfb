import type { SessionId, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type {
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  UserRepository,
} from "../ports/index.ts";
import { at, makeUser, testId } from "./fixtures.ts";

/** The behaviour every OAuthFlowRepository must have: records that work once and expire. */
export function oauthFlowRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{ flows: OAuthFlowRepository; users: UserRepository }>,
): void {
  function authorization(overrides: Partial<OAuthAuthorization> = {}): OAuthAuthorization {
    return {
      stateHash: `state-${testId()}`,
      provider: "discord",
      linkUserId: null,
      linkSessionId: null,
      codeChallengeHash: `challenge-${testId()}`,
      reauthenticateSessionId: null,
      createdAt: at(0),
      expiresAt: at(600_000),
      ...overrides,
    };
  }

  async function loginCode(users: UserRepository, overrides: Partial<OAuthLoginCode> = {}) {
    const user = makeUser();
    await users.insertUser(user);
    const code: OAuthLoginCode = {
      codeHash: `code-${testId()}`,
      userId: user.id,
      provider: "github",
      codeChallengeHash: `challenge-${testId()}`,
      createdAt: at(0),
      expiresAt: at(60_000),
      ...overrides,
    };
    return code;
  }

  describe(`OAuthFlowRepository contract: ${name}`, () => {
    it("gives a saved authorization back once, field for field", async () => {
      const { flows } = await makeRepositories();
      const saved = authorization();
      await flows.saveAuthorization(saved);
      expect(await flows.consumeAuthorization({ stateHash: saved.stateHash, now: at(1000) })).toEqual(saved);
      expect(await flows.consumeAuthorization({ stateHash: saved.stateHash, now: at(1000) })).toBeNull();
    });

    it("keeps the user and the session of a link request, which has no code challenge", async () => {
      const { flows, users } = await makeRepositories();
      const user = makeUser();
      await users.insertUser(user);
      const saved = authorization({
        linkUserId: user.id,
        linkSessionId: testId() as SessionId,
        provider: "twitch",
        codeChallengeHash: null,
      });
      await flows.saveAuthorization(saved);
      expect(await flows.consumeAuthorization({ stateHash: saved.stateHash, now: at(1) })).toEqual(saved);
    });

    it("keeps the session of a re-authentication request", async () => {
      const { flows } = await makeRepositories();
      const saved = authorization({ reauthenticateSessionId: testId() as SessionId, provider: "google" });
      await flows.saveAuthorization(saved);
      expect(await flows.consumeAuthorization({ stateHash: saved.stateHash, now: at(1) })).toEqual(saved);
    });

    it("answers null for an unknown state and for an expired one", async () => {
      const { flows } = await makeRepositories();
      expect(await flows.consumeAuthorization({ stateHash: "unknown", now: at(0) })).toBeNull();
      const saved = authorization();
      await flows.saveAuthorization(saved);
      expect(await flows.consumeAuthorization({ stateHash: saved.stateHash, now: at(600_000) })).toBeNull();
    });

    it("of concurrent consumptions of one state exactly one gets it", async () => {
      const { flows } = await makeRepositories();
      const saved = authorization();
      await flows.saveAuthorization(saved);
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          flows.consumeAuthorization({ stateHash: saved.stateHash, now: at(5) }),
        ),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it("gives a saved login code back once, before it expires", async () => {
      const { flows, users } = await makeRepositories();
      const code = await loginCode(users);
      await flows.saveLoginCode(code);
      expect(await flows.consumeLoginCode({ codeHash: code.codeHash, now: at(59_999) })).toEqual(code);
      expect(await flows.consumeLoginCode({ codeHash: code.codeHash, now: at(59_999) })).toBeNull();
      const late = await loginCode(users);
      await flows.saveLoginCode(late);
      expect(await flows.consumeLoginCode({ codeHash: late.codeHash, now: at(60_000) })).toBeNull();
      expect(await flows.consumeLoginCode({ codeHash: "unknown", now: at(0) })).toBeNull();
    });

    it("of concurrent exchanges of one login code exactly one gets it", async () => {
      const { flows, users } = await makeRepositories();
      const code = await loginCode(users);
      await flows.saveLoginCode(code);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => flows.consumeLoginCode({ codeHash: code.codeHash, now: at(5) })),
      );
      expect(results.filter((r) => r !== null).map((r) => r?.userId)).toEqual([code.userId as UserId]);
    });
  });
}
