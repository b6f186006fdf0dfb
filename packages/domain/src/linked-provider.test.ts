import { describe, expect, it } from "vitest";
import type { Email } from "./email.ts";
import {
  checkMayUnlinkProvider,
  type LinkedProvider,
  mayLinkByEmail,
  nicknameFromDisplayName,
  type OAuthProviderId,
  parseOAuthProvider,
} from "./linked-provider.ts";
import type { Nickname } from "./nickname.ts";
import { parseNickname } from "./nickname.ts";
import type { User, UserId } from "./user.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const user: User = {
  id: "00000000-0000-7000-8000-000000000001" as UserId,
  email: "ada@example.com" as Email,
  emailVerified: true,
  nickname: "ada" as Nickname,
  passwordHash: null,
  status: "active",
  role: "user",
  createdAt: now,
  updatedAt: now,
};

function link(provider: OAuthProviderId): LinkedProvider {
  return { userId: user.id, provider, subject: "1", email: null, displayName: null, linkedAt: now };
}

describe("parseOAuthProvider", () => {
  it.each(["discord", "twitch", "google", "github"])("accepts %s", (id) => {
    expect(parseOAuthProvider(id)).toBe(id);
  });

  it.each(["GitHub", "GITHUB", "github ", "facebook", "", "constructor", "__proto__"])("rejects %j", (id) => {
    expect(parseOAuthProvider(id)).toBeNull();
  });
});

describe("checkMayUnlinkProvider (keep at least one sign-in method)", () => {
  it("refuses to unlink the only provider of an account without a password", () => {
    expect(
      checkMayUnlinkProvider({ hasPassword: false, linked: [link("github")], provider: "github" }),
    ).toMatchObject({
      ok: false,
      error: "CANNOT_UNLINK_LAST_AUTH",
    });
  });

  it("allows it when the account has a password", () => {
    expect(
      checkMayUnlinkProvider({ hasPassword: true, linked: [link("github")], provider: "github" }).ok,
    ).toBe(true);
  });

  it("allows it when another provider stays linked", () => {
    const linked = [link("github"), link("google")];
    expect(checkMayUnlinkProvider({ hasPassword: false, linked, provider: "github" }).ok).toBe(true);
  });

  it("answers PROVIDER_NOT_LINKED for a provider that is not linked", () => {
    expect(
      checkMayUnlinkProvider({ hasPassword: true, linked: [link("google")], provider: "github" }),
    ).toMatchObject({
      ok: false,
      error: "PROVIDER_NOT_LINKED",
    });
  });
});

describe("mayLinkByEmail (link by email only when both sides verified it)", () => {
  it.each([
    { providerVerifiedEmail: true, accountVerified: true, expected: true },
    { providerVerifiedEmail: true, accountVerified: false, expected: false },
    { providerVerifiedEmail: false, accountVerified: true, expected: false },
    { providerVerifiedEmail: false, accountVerified: false, expected: false },
  ])(
    "provider verified $providerVerifiedEmail, account verified $accountVerified: links $expected",
    ({ providerVerifiedEmail, accountVerified, expected }) => {
      expect(
        mayLinkByEmail({ providerVerifiedEmail, account: { ...user, emailVerified: accountVerified } }),
      ).toBe(expected);
    },
  );

  it("an account with a password is never joined by email: a stranger may have set the password before the owner verified the address (ADR 0043)", () => {
    expect(
      mayLinkByEmail({ providerVerifiedEmail: true, account: { ...user, passwordHash: "$argon2id$..." } }),
    ).toBe(false);
  });

  it("an unverified account is never taken over, even by a provider that vouches for the address", () => {
    expect(mayLinkByEmail({ providerVerifiedEmail: true, account: { ...user, emailVerified: false } })).toBe(
      false,
    );
  });

  it("an address the provider does not vouch for never reaches a verified account", () => {
    expect(mayLinkByEmail({ providerVerifiedEmail: false, account: user })).toBe(false);
  });
});

describe("nicknameFromDisplayName", () => {
  it.each([
    ["Ada Lovelace", "Ada_Lovelace"],
    ["ada_lovelace", "ada_lovelace"],
    ["  René  Descartes ", "Rene_Descartes"],
    ["Zoë-Ω", "Zoe"],
    ["x", "user"],
    ["日本語", "user"],
    [null, "user"],
    ["a".repeat(40), "a".repeat(30)],
    [`${"b".repeat(29)} c`, "b".repeat(29)],
  ])("turns %j into %j", (displayName, nickname) => {
    expect(nicknameFromDisplayName(displayName)).toBe(nickname);
  });

  it("always yields a valid nickname", () => {
    const samples = ["", " ", "__--__", "💥💥", "a b", "-a-", "Ünïcödé 123", "x".repeat(1000), "a\u0000b"];
    for (const sample of samples) {
      expect(parseNickname(nicknameFromDisplayName(sample)).ok, sample).toBe(true);
    }
  });
});
