import { describe, expect, it } from "vitest";
import { securityEventTypes } from "./security-event.ts";
import { lowBackupCodesThreshold, notifiesAccountHolder, securityNoticeTypes } from "./security-notice.ts";

describe("notifiesAccountHolder", () => {
  it("mails for exactly the changes to how the account signs in, reuse, new devices, address changes and what staff did to the account", () => {
    const notifying = securityEventTypes.filter((type) =>
      notifiesAccountHolder({ type, details: { remaining: 0, provider: "github" } }),
    );
    expect(notifying).toEqual([
      "password_set",
      "password_changed",
      "password_reset",
      "email_change_requested",
      "email_changed",
      "email_change_undone",
      "two_factor_enabled",
      "two_factor_disabled",
      "backup_code_used",
      "backup_codes_regenerated",
      "refresh_token_reuse_detected",
      "provider_linked",
      "provider_unlinked",
      "new_device_sign_in",
      "account_disabled",
      "account_enabled",
      "two_factor_reset",
      "account_deleted",
    ]);
    expect([...notifying, "sessions_revoked", "email_verified", "app_authorized"].sort()).toEqual(
      [...securityNoticeTypes].sort(),
    );
  });

  it("mails for an app given lasting access (a remembered consent), not for one allowed this once", () => {
    expect(notifiesAccountHolder({ type: "app_authorized", details: { remembered: true } })).toBe(true);
    expect(notifiesAccountHolder({ type: "app_authorized", details: { remembered: false } })).toBe(false);
    // Given again with nothing new (prompt=consent at every sign-in): the app had that access.
    expect(
      notifiesAccountHolder({ type: "app_authorized", details: { remembered: true, renewed: true } }),
    ).toBe(false);
    for (const type of [
      "app_revoked",
      "app_registered",
      "app_updated",
      "app_secret_rotated",
      "app_deleted",
      "data_export_requested",
      "data_export_downloaded",
    ] as const) {
      expect(notifiesAccountHolder({ type, details: { remembered: true } })).toBe(false);
    }
  });

  it("mails for sessions ended everywhere, and an address marked verified, only when staff did it", () => {
    for (const type of ["sessions_revoked", "email_verified"] as const) {
      expect(notifiesAccountHolder({ type, details: { by: "admin" } })).toBe(true);
      expect(notifiesAccountHolder({ type, details: {} })).toBe(false);
    }
  });

  it("never mails for sign-ins, failures, locks, logouts, verification or a reset request", () => {
    for (const type of [
      "login_succeeded",
      "login_failed",
      "account_locked",
      "password_reset_requested",
      // Staff required a new password: the mail that carries the link to choose one is the news.
      "password_reset_required",
      // Staff mailed a new verification link: that mail is the news.
      "verification_resent",
      "email_verified",
      "profile_updated",
      "session_revoked",
      "sessions_revoked",
    ] as const) {
      expect(notifiesAccountHolder({ type, details: {} })).toBe(false);
    }
  });

  it.each([
    [0, true],
    [lowBackupCodesThreshold - 1, true],
    [lowBackupCodesThreshold, true],
    [lowBackupCodesThreshold + 1, false],
    [9, false],
  ])("a backup code used with %i left mails: %s", (remaining, mails) => {
    expect(notifiesAccountHolder({ type: "backup_code_used", details: { remaining } })).toBe(mails);
  });

  it("a backup code used without a count of those left does not mail", () => {
    expect(notifiesAccountHolder({ type: "backup_code_used", details: {} })).toBe(false);
  });

  it("a provider linked by signing up with it does not mail; linked any other way it does", () => {
    expect(
      notifiesAccountHolder({ type: "provider_linked", details: { provider: "github", via: "sign-up" } }),
    ).toBe(false);
    expect(
      notifiesAccountHolder({
        type: "provider_linked",
        details: { provider: "github", via: "verified-email" },
      }),
    ).toBe(true);
    expect(notifiesAccountHolder({ type: "provider_linked", details: { provider: "github" } })).toBe(true);
  });
});
