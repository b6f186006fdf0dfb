import type { Email, LinkedProvider, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { LinkedProviderRepository, UserRepository } from "../ports.ts";
import { at, makeUser, testId } from "./fixtures.ts";

/**
 * The behaviour every LinkedProviderRepository must have. Stores with foreign
 * keys need the user to exist, so the suite creates users through `users`.
 */
export function linkedProviderRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{ links: LinkedProviderRepository; users: UserRepository }>,
): void {
  async function withUser() {
    const { links, users } = await makeRepositories();
    const user = makeUser({ passwordHash: null });
    await users.insertUser(user);
    return { links, users, userId: user.id };
  }

  function link(userId: UserId, overrides: Partial<LinkedProvider> = {}): LinkedProvider {
    return {
      userId,
      provider: "github",
      subject: `subject-${testId()}`,
      email: "ada@example.com" as Email,
      displayName: "Ada Lovelace",
      linkedAt: at(0),
      ...overrides,
    };
  }

  describe(`LinkedProviderRepository contract: ${name}`, () => {
    it("finds a link by provider and subject, field for field", async () => {
      const { links, userId } = await withUser();
      const github = link(userId, { email: null, displayName: null });
      expect(await links.linkProvider(github)).toEqual({ ok: true, value: undefined });
      expect(await links.findLinkedProvider({ provider: "github", subject: github.subject })).toEqual(github);
      expect(await links.findLinkedProvider({ provider: "google", subject: github.subject })).toBeNull();
      expect(await links.findLinkedProvider({ provider: "github", subject: "unknown" })).toBeNull();
    });

    it("compares subjects exactly: case matters", async () => {
      const { links, userId } = await withUser();
      const other = await withUser();
      await links.linkProvider(link(userId, { subject: "AbC" }));
      expect(await links.findLinkedProvider({ provider: "github", subject: "abc" })).toBeNull();
      expect((await links.linkProvider(link(other.userId, { subject: "abc" }))).ok).toBe(true);
    });

    it("refuses an identity already linked to another user with PROVIDER_ALREADY_LINKED", async () => {
      const { links, users, userId } = await withUser();
      const stranger = makeUser();
      await users.insertUser(stranger);
      const first = link(userId);
      await links.linkProvider(first);
      const result = await links.linkProvider(link(stranger.id, { subject: first.subject }));
      expect(result).toMatchObject({ ok: false, error: "PROVIDER_ALREADY_LINKED" });
      expect((await links.findLinkedProvider({ provider: "github", subject: first.subject }))?.userId).toBe(
        userId,
      );
    });

    it("refuses a second identity of the same provider for one user", async () => {
      const { links, userId } = await withUser();
      await links.linkProvider(link(userId));
      expect(await links.linkProvider(link(userId))).toMatchObject({
        ok: false,
        error: "PROVIDER_ALREADY_LINKED",
      });
      expect(await links.listLinkedProvidersOfUser(userId)).toHaveLength(1);
    });

    it("lets one subject exist at two providers", async () => {
      const { links, userId } = await withUser();
      expect((await links.linkProvider(link(userId, { provider: "github", subject: "42" }))).ok).toBe(true);
      const other = await withUser();
      expect((await links.linkProvider(link(other.userId, { provider: "discord", subject: "42" }))).ok).toBe(
        true,
      );
    });

    it("exactly one of many concurrent links of one identity succeeds", async () => {
      const { links, users } = await makeRepositories();
      const people = Array.from({ length: 8 }, () => makeUser());
      for (const person of people) await users.insertUser(person);
      const subject = `subject-${testId()}`;
      const results = await Promise.all(people.map((p) => links.linkProvider(link(p.id, { subject }))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.error === "PROVIDER_ALREADY_LINKED")).toHaveLength(7);
    });

    it("lists a user's links oldest first, and no one else's", async () => {
      const { links, userId } = await withUser();
      const other = await withUser();
      const google = link(userId, { provider: "google", linkedAt: at(2000) });
      const discord = link(userId, { provider: "discord", linkedAt: at(1000) });
      await links.linkProvider(google);
      await links.linkProvider(discord);
      await links.linkProvider(link(other.userId, { provider: "twitch" }));
      expect(await links.listLinkedProvidersOfUser(userId)).toEqual([discord, google]);
      expect(await links.listLinkedProvidersOfUser(testId() as UserId)).toEqual([]);
    });

    it("unlinks one provider of one user and answers whether it removed a link", async () => {
      const { links, userId } = await withUser();
      const other = await withUser();
      const mine = link(userId);
      const theirs = link(other.userId);
      await links.linkProvider(mine);
      await links.linkProvider(theirs);
      expect(await links.unlinkProvider({ userId, provider: "github" })).toBe(true);
      expect(await links.unlinkProvider({ userId, provider: "github" })).toBe(false);
      expect(await links.findLinkedProvider({ provider: "github", subject: mine.subject })).toBeNull();
      expect(await links.findLinkedProvider({ provider: "github", subject: theirs.subject })).toEqual(theirs);
      // The identity is free again, for anyone.
      expect(
        (await links.linkProvider(link(other.userId, { provider: "discord", subject: mine.subject }))).ok,
      ).toBe(true);
      expect((await links.linkProvider({ ...mine, linkedAt: at(5000) })).ok).toBe(true);
    });
  });
}
