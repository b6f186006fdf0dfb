import { describe, expect, it } from "vitest";
import { isStaffRead, securityEventTypes } from "./security-event.ts";
import { describeSecurityEvent, describeStaffAction } from "./security-event-description.ts";

describe("describeSecurityEvent", () => {
  it("has a sentence for every event type", () => {
    for (const type of securityEventTypes) {
      expect(describeSecurityEvent({ type, details: {} })).toMatch(/^[A-Z].+[a-z]$/);
    }
  });

  it("names the staff role that acted, never the person", () => {
    expect(describeSecurityEvent({ type: "two_factor_reset", details: { by: "support" } })).toBe(
      "Your two-factor authentication was reset by support",
    );
    expect(
      describeSecurityEvent({ type: "account_disabled", details: { by: "admin", staffReason: "Spam" } }),
    ).toBe("Your account was disabled by an administrator");
    expect(describeSecurityEvent({ type: "sessions_revoked", details: {} })).toBe(
      "Every session was signed out",
    );
    const verified = (details: { by?: string }) => describeSecurityEvent({ type: "email_verified", details });
    expect([verified({ by: "admin" }), verified({})]).toEqual([
      "Your email address was verified by an administrator",
      "Your email address was verified",
    ]);
  });

  it("names the app an authorization, a withdrawal or a developer's change was about, quoted (its developer chose the name)", () => {
    const app = { clientId: "c1", app: "Calendar Sync" };
    expect(describeSecurityEvent({ type: "app_authorized", details: { ...app, remembered: true } })).toBe(
      'You allowed "Calendar Sync" to access your account',
    );
    expect(describeSecurityEvent({ type: "app_authorized", details: { ...app, remembered: false } })).toBe(
      'You allowed "Calendar Sync" to access your account this once',
    );
    expect(describeSecurityEvent({ type: "app_revoked", details: app })).toBe(
      'You withdrew the access of "Calendar Sync" to your account',
    );
    expect(describeSecurityEvent({ type: "app_updated", details: { ...app, fields: "redirectURIs" } })).toBe(
      'The settings of your app "Calendar Sync" were changed (redirectURIs)',
    );
    expect(describeSecurityEvent({ type: "app_secret_rotated", details: app })).toBe(
      'Your app "Calendar Sync" got a new client secret',
    );
    // An event that kept no name (none given) still reads as a sentence.
    expect(describeSecurityEvent({ type: "app_deleted", details: {} })).toBe("One of your apps was deleted");
    expect(describeSecurityEvent({ type: "data_export_downloaded", details: { exportId: "e1" } })).toBe(
      "A copy of your account data was downloaded",
    );
  });

  it("says a sign-in's second factor beside its first", () => {
    expect(describeSecurityEvent({ type: "login_succeeded", details: { method: "password" } })).toBe(
      "You signed in with password",
    );
    expect(
      describeSecurityEvent({ type: "login_succeeded", details: { method: "password", secondFactor: true } }),
    ).toBe("You signed in with password and your second factor");
  });

  it("says a failed password sign-in found no password on the account, when it did", () => {
    const failed = (details: { method: string; noPassword?: boolean }) =>
      describeSecurityEvent({ type: "login_failed", details });
    expect([failed({ method: "password" }), failed({ method: "password", noPassword: true })]).toEqual([
      "A sign-in attempt failed",
      "A sign-in with a password failed: your account has no password",
    ]);
  });

  it("uses the facts in the details", () => {
    expect(describeSecurityEvent({ type: "role_changed", details: { role: "support", by: "admin" } })).toBe(
      "Your role was changed to support by an administrator",
    );
    expect(describeSecurityEvent({ type: "provider_linked", details: { provider: "github" } })).toBe(
      "GitHub was linked to your account",
    );
    expect(describeSecurityEvent({ type: "provider_unlinked", details: { provider: "<b>x</b>" } })).toBe(
      "A sign-in provider was unlinked from your account",
    );
    expect(
      describeSecurityEvent({
        type: "email_changed",
        details: { from: "a***@example.com", to: "n***@example.org" },
      }),
    ).toBe("Your email address was changed from a***@example.com to n***@example.org");
    expect(
      describeSecurityEvent({ type: "email_change_requested", details: { to: "n***@example.org" } }),
    ).toBe("A change of your email address to n***@example.org was requested");
    expect(describeSecurityEvent({ type: "sessions_revoked", details: { reason: "logout_others" } })).toBe(
      "Your other sessions were signed out",
    );
  });

  it("says which factor was wrong, and with which change, for a wrong proof", () => {
    const cases: [Record<string, string>, string][] = [
      [
        { method: "password", during: "reauthentication" },
        "A wrong password was given to confirm it was you, before a change",
      ],
      [
        { method: "password", during: "password_change" },
        "A wrong password was given to confirm it was you, when changing the password",
      ],
      [
        { method: "backup_code", during: "two_factor_off" },
        "A wrong code was given to confirm it was you, when turning off two-step verification",
      ],
      [
        { method: "code", during: "backup_codes" },
        "A wrong code was given to confirm it was you, when making new backup codes",
      ],
      // Recorded before the occasion was kept, or with one this release does not know.
      [{ method: "code" }, "A wrong code was given to confirm it was you, before a change"],
      [
        { method: "code", during: "toString" },
        "A wrong code was given to confirm it was you, before a change",
      ],
    ];
    for (const [details, sentence] of cases) {
      expect(describeSecurityEvent({ type: "reauthentication_failed", details })).toBe(sentence);
    }
  });
});

describe("describeStaffAction", () => {
  it("says what staff did, for the audit that names the actor and the account beside it", () => {
    expect(
      describeStaffAction({
        type: "account_disabled",
        details: { by: "admin", staffReason: "Spam from this account (ticket 4127)" },
      }),
    ).toBe('Disabled the account: "Spam from this account (ticket 4127)"');
    // Read by the admin it was about: the reason is withheld, and not called unrecorded.
    expect(
      describeStaffAction({ type: "account_disabled", details: { by: "admin", staffReasonWithheld: true } }),
    ).toBe("Disabled the account (its reason is not shown to the account's holder: you)");
    // A disable recorded before reasons were kept.
    expect(describeStaffAction({ type: "account_disabled", details: { by: "admin" } })).toBe(
      "Disabled the account (no reason recorded)",
    );
    // One of a deleted account: its details went with it (docs/admin.md, "Deletion"), the reason
    // too; the audit must not say the member of staff gave none.
    expect(describeStaffAction({ type: "account_disabled", details: {} })).toBe(
      "Disabled the account (its reason was erased with the account)",
    );
    expect(describeStaffAction({ type: "role_changed", details: { role: "support", by: "admin" } })).toBe(
      "Changed the role to support",
    );
    expect(
      describeStaffAction({
        type: "role_changed",
        details: { role: "admin", previousRole: "user", via: "admin:create" },
      }),
    ).toBe("Made an admin with pnpm admin:create");
    // Staff's own unlink (on request), and one a marked-verified address made: the audit's and the holder's words.
    const unlinked = (details: Record<string, string>) =>
      [describeStaffAction, describeSecurityEvent].map((describe) =>
        describe({ type: "provider_unlinked", details }),
      );
    expect(unlinked({ provider: "github", by: "support" })).toEqual([
      "Unlinked GitHub",
      "GitHub was unlinked from your account by support",
    ]);
    expect(
      unlinked({ provider: "google", reason: "staff_verification_of_unverified_address", by: "admin" }),
    ).toEqual([
      "Unlinked Google (the address was marked verified)",
      "Google was unlinked from your account by an administrator",
    ]);
    expect(describeStaffAction({ type: "account_unlocked", details: { by: "support" } })).toBe(
      "Lifted the account's sign-in lock",
    );
    expect(describeStaffAction({ type: "email_verified", details: { by: "admin" } })).toBe(
      "Marked the email address verified",
    );
    expect(describeStaffAction({ type: "verification_resent", details: { by: "support" } })).toBe(
      "Mailed the address a new verification link",
    );
    expect(describeSecurityEvent({ type: "verification_resent", details: { by: "support" } })).toBe(
      "A new link to verify your email address was mailed to you by support",
    );
    expect(describeStaffAction({ type: "password_reset_requested", details: { by: "admin" } })).toBe(
      "Mailed the address a password-reset link",
    );
    expect(describeSecurityEvent({ type: "password_reset_required", details: { by: "admin" } })).toBe(
      "You were asked to choose a new password by an administrator",
    );
    expect(describeStaffAction({ type: "password_reset_required", details: { by: "admin" } })).toBe(
      "Required a new password: the old one no longer signs in, every session was signed out, and a link to choose one was mailed",
    );
    expect(
      describeStaffAction({ type: "password_reset_required", details: { by: "admin", linkMailed: false } }),
    ).toBe(
      "Required a new password: the old one no longer signs in and every session was signed out; no link was mailed with it, as the reset link mailed to the address less than a minute before works",
    );
    // The person's own request names no one; staff's names the role.
    expect(describeSecurityEvent({ type: "password_reset_requested", details: {} })).toBe(
      "A password-reset link was mailed to you",
    );
    expect(describeSecurityEvent({ type: "password_reset_requested", details: { by: "support" } })).toBe(
      "A password-reset link was mailed to you by support",
    );
    expect(
      describeStaffAction({ type: "maintenance_notice_changed", details: { message: "Upgrade at 2" } }),
    ).toBe('Set the maintenance notice: "Upgrade at 2"');
    expect(describeStaffAction({ type: "maintenance_notice_changed", details: {} })).toBe(
      "Cleared the maintenance notice",
    );
  });

  it('never speaks to the holder ("Your ...") for any event type', () => {
    for (const type of securityEventTypes) {
      const sentence = describeStaffAction({ type, details: { by: "admin" } });
      expect(sentence).toMatch(/^[A-Z]/);
      if (
        [
          "account_disabled",
          "account_enabled",
          "account_unlocked",
          "email_verified",
          "verification_resent",
          "password_reset_requested",
          "password_reset_required",
          "two_factor_reset",
          "role_changed",
          "sessions_revoked",
          "account_deleted",
        ].includes(type)
      ) {
        expect(sentence).not.toMatch(/^Your|by an administrator/);
      }
    }
  });
});

describe("staff reads", () => {
  it("are told apart from changes, and described for the holder and for the audit", () => {
    expect(securityEventTypes.filter(isStaffRead)).toEqual(["account_viewed", "users_searched"]);
    expect(describeSecurityEvent({ type: "account_viewed", details: { by: "support" } })).toBe(
      "Your account's details were viewed by support",
    );
    expect(describeStaffAction({ type: "account_viewed", details: { by: "support" } })).toBe(
      "Viewed the account's details",
    );
    const search = {
      type: "users_searched",
      details: { query: "a***@example.com", results: 1, by: "admin" },
    } as const;
    expect(describeStaffAction(search)).toBe('Searched the accounts for "a***@example.com" (1 found)');
    // On the searcher's own log: they made it, so no "by an administrator".
    expect(describeSecurityEvent(search)).toBe('You searched the accounts for "a***@example.com", 1 found');
    expect(
      describeSecurityEvent({
        type: "maintenance_notice_changed",
        details: { message: "Upgrade", by: "admin" },
      }),
    ).toBe('You set the maintenance notice of the status page: "Upgrade"');
    expect(describeStaffAction({ type: "users_searched", details: { query: "", results: 20 } })).toBe(
      "Searched the accounts (20 found)",
    );
  });
});
