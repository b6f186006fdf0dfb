import { parseEmail, type SecurityNoticeType, securityNoticeTypes } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import {
  composeEmailTakenNotice,
  composeExportReadyMail,
  composeNewPasswordRequiredMail,
  composeSecurityNotice,
  composeStaffRoleGrantedNotice,
  composeTokenMail,
} from "./mails.ts";
import type { MailBrand, OutgoingMail } from "./ports/index.ts";

// Every mail signs with the operator's brand (BRAND_NAME) and, when SUPPORT_URL is set, says where
// to ask for help: the hosted pages do both, and a mail is where a person in trouble looks first.

const to = unwrapEmail("ada@example.com");
const appURL = "https://auth.acme.test";
/** Ada's mark, as the pages make it (AccountLinkMark): 22 characters of base64url. */
const accountMark = "Ad4_mark-0123456789abc";

function unwrapEmail(value: string) {
  const parsed = parseEmail(value);
  if (!parsed.ok) throw new Error(value);
  return parsed.value;
}

function everyMail(brand: MailBrand): OutgoingMail[] {
  const occurredAt = new Date("2026-12-01T10:00:00Z");
  return [
    ...(["verify_email", "reset_password", "change_email"] as const).map((purpose) =>
      composeTokenMail({ to, nickname: "ada", purpose, link: `${appURL}/x#token=t`, brand }),
    ),
    ...securityNoticeTypes.map((type: SecurityNoticeType) =>
      composeSecurityNotice({
        to,
        nickname: "ada",
        appURL,
        brand,
        accountMark,
        event: {
          type,
          details: { provider: "github", remaining: 2, to: "n***@example.com" },
          occurredAt,
          ip: null,
          userAgent: null,
        },
      }),
    ),
    composeExportReadyMail({
      to,
      nickname: "ada",
      appURL,
      sha256: "ab".repeat(32),
      expiresAt: occurredAt,
      brand,
      accountMark,
    }),
    composeEmailTakenNotice({ to, nickname: "ada", appURL, brand }),
    composeNewPasswordRequiredMail({
      to,
      nickname: "ada",
      link: `${appURL}/reset-password#token=t`,
      appURL,
      brand,
      hadPassword: true,
    }),
    composeStaffRoleGrantedNotice({
      to,
      nickname: "ada",
      appURL,
      brand,
      grantee: unwrapEmail("grace@example.com"),
      role: "admin",
      grantedBy: unwrapEmail("mallory@example.com"),
      at: occurredAt,
    }),
  ];
}

describe("the mails' brand and support line", () => {
  it("name the operator's brand everywhere, never SuperOAuth, and sign with it", () => {
    const mails = everyMail({ name: "Acme <ID>", supportURL: null });
    for (const mail of mails) {
      const all = `${mail.subject}\n${mail.text}\n${mail.html}`;
      expect(all).not.toContain("SuperOAuth");
      expect(all).not.toContain("{service}");
      expect(all).not.toContain("{support}");
      expect(mail.text.trimEnd().endsWith("\nAcme <ID>")).toBe(true);
      // The brand is escaped in the HTML like everything else.
      expect(mail.html).toContain("<p>Acme &lt;ID&gt;</p>");
      expect(mail.html).not.toContain("Acme <ID>");
      expect(all).not.toContain("Need help?");
    }
    expect(mails[0]?.text).toContain("belongs to your Acme <ID> account");
  });

  it("give a mailto: support address as the address to write to", () => {
    for (const mail of everyMail({
      name: "Acme ID",
      supportURL: "mailto:help%2Bid@acme.test?subject=Help",
    })) {
      expect(mail.text).toContain("\nNeed help? Write to help+id@acme.test\n");
      expect(mail.html).toContain(
        '<p>Need help? <a href="mailto:help%2Bid@acme.test?subject=Help">Write to help+id@acme.test</a></p>',
      );
    }
  });

  it("give an https support page as a link, escaped in the HTML", () => {
    for (const mail of everyMail({ name: "Acme ID", supportURL: "https://help.acme.test/?a=1&b=2" })) {
      expect(mail.text).toContain("\nNeed help? Contact support: https://help.acme.test/?a=1&b=2\n");
      expect(mail.html).toContain(
        '<p>Need help? <a href="https://help.acme.test/?a=1&amp;b=2">Contact support</a></p>',
      );
    }
  });

  it("take a $ in the brand's name as written", () => {
    const [mail] = everyMail({ name: "Pay$'Co $&", supportURL: null });
    expect(mail?.text).toContain("belongs to your Pay$'Co $& account.");
  });

  it("keep a malformed percent-escape in a mailto: address as written", () => {
    const [mail] = everyMail({ name: "Acme ID", supportURL: "mailto:help%zz@acme.test" });
    expect(mail?.text).toContain("Need help? Write to help%zz@acme.test");
  });
});

describe("what a security notice tells the reader to do", () => {
  const brand: MailBrand = { name: "Acme", supportURL: "mailto:help@acme.test" };
  const occurredAt = new Date("2026-12-01T10:00:00Z");
  const notice = (
    type: SecurityNoticeType,
    extra: {
      ip?: string | null;
      userAgent?: string | null;
      undoLink?: string;
      details?: Record<string, string>;
      accountDisabled?: boolean;
      brand?: MailBrand;
    } = {},
  ) =>
    composeSecurityNotice({
      to,
      nickname: "ada",
      appURL,
      brand: extra.brand ?? brand,
      accountMark,
      event: {
        type,
        details: extra.details ?? { to: "n***@example.com" },
        occurredAt,
        ip: extra.ip === undefined ? "203.0.113.9" : extra.ip,
        userAgent:
          extra.userAgent === undefined ? "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" : extra.userAgent,
      },
      ...(extra.undoLink === undefined ? {} : { undoLink: extra.undoLink }),
      ...(extra.accountDisabled === undefined ? {} : { accountDisabled: extra.accountDisabled }),
    });

  it("to a disabled account (staff act on one too): no reset or sessions link, which cannot work there, and only staff named as the way back", () => {
    const disabledLine =
      "Your account is disabled, so it cannot sign in, and no new password can be chosen for it, until Acme's staff enable it again. If you did not ask for this, or want to know why your account is disabled, contact Acme's support.";
    const staffOnly = { ip: null, userAgent: null, accountDisabled: true };
    for (const type of [
      "two_factor_reset",
      "email_verified",
      "provider_unlinked",
      "sessions_revoked",
    ] as const) {
      const mail = notice(type, { ...staffOnly, details: { provider: "github", by: "admin" } });
      expect(mail.text, type).toContain(disabledLine);
      expect(mail.text, type).not.toContain("/forgot-password");
      expect(mail.text, type).not.toContain("/account/sessions");
      expect(mail.text, type).not.toContain("change your password");
      // The same notice to an active account keeps both links.
      const active = notice(type, {
        ...staffOnly,
        accountDisabled: false,
        details: { provider: "github", by: "admin" },
      });
      expect(active.text, type).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
      expect(active.text, type).toContain(`${appURL}/account/sessions?account=`);
      expect(active.text, type).not.toContain(disabledLine);
    }
    // Each notice's own advice that cannot work on a disabled account is left out.
    const unlinked = notice("provider_unlinked", {
      ...staffOnly,
      details: { provider: "github", by: "admin" },
    });
    expect(unlinked.text).toContain(
      "A member of Acme's staff unlinked GitHub from your Acme account: it can no longer sign in to it.\n",
    );
    const signedOut = notice("sessions_revoked", { ...staffOnly, details: { by: "admin" } });
    expect(signedOut.text).toContain("Acme's staff signed your Acme account out on every device.\n");
    expect(signedOut.text).not.toContain("sign in again");
    expect(signedOut.text).not.toContain("choose a new password too");
    // The disable's own notice is unchanged: it says it all already.
    expect(notice("account_disabled", { ...staffOnly, details: { by: "admin" } }).text).toBe(
      notice("account_disabled", { ...staffOnly, accountDisabled: false, details: { by: "admin" } }).text,
    );
  });

  it("2FA turned on by someone else: a new password does not remove their authenticator, so support is named", () => {
    const mail = notice("two_factor_enabled");
    expect(mail.text).toContain(
      "Change your password now (this signs you out everywhere) and ask Acme's support to reset two-factor authentication",
    );
    expect(mail.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
    expect(mail.text).toContain("Need help? Write to help@acme.test");
  });

  it("an undone change of address: does not claim providers were unlinked where there were none", () => {
    const mail = notice("email_change_undone");
    expect(mail.text).toContain("A sign-in provider linked to it, if any, was unlinked (a mail names each).");
    expect(mail.text).not.toContain("every linked sign-in provider unlinked");
  });

  it("2FA reset by staff: no 'if this was you' for what support did, and no 'unknown' browser or address", () => {
    const mail = notice("two_factor_reset", { ip: null, userAgent: null });
    expect(mail.text).toContain("If you asked Acme's support for this, there is nothing to do.");
    expect(mail.text).toContain(
      "If you did not, someone may have talked support into it: contact Acme's support now",
    );
    expect(mail.text).not.toContain("If this was you");
    expect(mail.text).not.toContain("unknown");
    expect(mail.text).toContain("When: 2026-12-01 10:00 UTC\n");
  });

  it("a provider unlinked by staff: says staff did it, how to get a password back, and no 'if this was you'", () => {
    const staffOnly = { ip: null, userAgent: null };
    const mail = notice("provider_unlinked", {
      ...staffOnly,
      details: { provider: "github", by: "support" },
    });
    expect(mail.subject).toBe("GitHub was unlinked from your account");
    expect(mail.text).toContain("A member of Acme's staff unlinked GitHub from your Acme account");
    expect(mail.text).toContain("If it was the account's only way to sign in, choose a password");
    expect(mail.text).toContain("If you asked Acme's support for this, there is nothing to do.");
    expect(mail.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
    expect(mail.text).not.toContain("If this was you");
    // Unlinked with a first proof of the address: the person's own wording, whoever acted.
    const verified = notice("provider_unlinked", {
      ...staffOnly,
      details: { provider: "github", by: "admin", reason: "staff_verification_of_unverified_address" },
    });
    expect(verified.text).toContain(
      "GitHub was unlinked from your Acme account: it can no longer sign in to it.",
    );
  });

  it("a disable and an enable by staff: the disable offers support only, the enable says the account signs in again and what stays ended", () => {
    const disabled = notice("account_disabled", { ip: null, userAgent: null });
    expect(disabled.subject).toBe("Your account was disabled");
    expect(disabled.text).toContain("only staff can enable it again");
    expect(disabled.text).not.toContain("/forgot-password");

    const enabled = notice("account_enabled", { ip: null, userAgent: null });
    expect(enabled.subject).toBe("Your account was enabled again");
    expect(enabled.text).toContain(
      "Acme's staff enabled your Acme account again: it can sign in as before. The sessions and apps' access ended when it was disabled stay ended",
    );
    expect(enabled.text).toContain("If you asked Acme's support for this, there is nothing to do.");
    expect(enabled.text).toContain("If you did not expect it, contact Acme's support.");
    // Signed in again, a new password and the sessions list help: the links are there.
    expect(enabled.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
    expect(enabled.text).toContain(
      `Review your sessions: ${appURL}/account/sessions?account=${accountMark}\n`,
    );
    expect(enabled.text).not.toContain("If this was you");
    expect(enabled.text).not.toContain("unknown");
  });

  it("the deletion: names the apps the person registered, and says the security log keeps no address or device", () => {
    const mail = notice("account_deleted");
    expect(mail.text).toContain("the apps you registered");
    expect(mail.text).toContain(
      "Its security log keeps only when and what happened, without your address or device.",
    );
    expect(mail.text).toContain(
      "A search by a member of staff that named your nickname stays in that staff member's own log, as long as security logs are kept.",
    );
    expect(mail.text).not.toContain("sessions, security log,");
    expect(mail.text).toContain(
      "If you did not, contact Acme's support now: someone who could sign in to your account may have deleted it.",
    );
  });

  it("without SUPPORT_URL promises no support desk: the team that runs the service, as the pages say", () => {
    const unsupported = { name: "Acme", supportURL: null };
    const deleted = notice("account_deleted", { brand: unsupported });
    expect(deleted.text).toContain(
      "If you did not, contact the team that runs Acme now: someone who could sign in to your account may have deleted it.",
    );
    const staffDeleted = notice("account_deleted", { brand: unsupported, details: { by: "staff" } });
    expect(staffDeleted.text).toContain("If you did not, contact the team that runs Acme.");
    for (const mail of [deleted, staffDeleted]) {
      expect(`${mail.text}\n${mail.html}`).not.toMatch(/support|\{/);
    }
  });

  it("an address marked verified by staff: says what it allows, and and what to do if nobody asked", () => {
    const mail = notice("email_verified", { ip: null, userAgent: null });
    expect(mail.subject).toBe("Staff confirmed this address for your account");
    // Subjects never say "verify": that is how the mails with links are told apart.
    expect(mail.subject).not.toMatch(/verif|reset/i);
    expect(mail.text).toContain("sign-in providers that give this address may now be linked to the account");
    expect(mail.text).toContain("If you asked Acme's support for this, there is nothing to do.");
    // What to do is what the holder can do: staff reset a second factor but cannot unlink a
    // provider (the console and the admin API have no such action), so the mail must not send
    // the holder to support for that.
    expect(mail.text).toContain(
      "choose a new password now, which signs out every session, then unlink in your account any sign-in provider you did not link",
    );
    expect(mail.text).toContain(
      "If signing in asks for a two-factor code you do not have, contact Acme's support, who can turn it off.",
    );
    expect(mail.text).not.toMatch(/support[^.]*remove[^.]*provider/);
    expect(mail.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
    expect(mail.text).not.toContain("If this was you");
  });

  it("every session ended by staff: asking for it is no reason to keep the password, since whoever knows it signs in again", () => {
    const mail = notice("sessions_revoked", { ip: null, userAgent: null });
    expect(mail.subject).toBe("Your account was signed out everywhere");
    // The person who asks support to sign everyone out is most often the one who thinks someone
    // else is in: "nothing to do" left the intruder the password and the apps' access.
    expect(mail.text).not.toContain("there is nothing to do");
    expect(mail.text).toContain(
      "If you asked support for this because someone else may have been signed in, choose a new password too",
    );
    expect(mail.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
  });

  it("an app given access: where to see and withdraw it, what to do if it was not the reader, and never the app's own name", () => {
    const mail = composeSecurityNotice({
      to,
      nickname: "ada",
      appURL,
      brand,
      accountMark,
      event: {
        type: "app_authorized",
        // A developer names the app: a name that reads as a message must not reach a mail signed by the brand.
        details: { clientId: "c1", app: "Acme Security: visit evil.example now", remembered: true },
        occurredAt,
        ip: "203.0.113.9",
        userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
      },
    });
    expect(mail.subject).toBe("An app can now access your account");
    expect(mail.text).toContain("The Authorized apps page of your account names it");
    expect(mail.text).toContain("IP address: 203.0.113.9\n");
    expect(mail.text).toContain("ends every app's access");
    expect(mail.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
    expect(`${mail.subject}${mail.text}${mail.html}`).not.toContain("evil.example");
  });

  it("names the device in words, as the sessions page does", () => {
    expect(notice("password_changed").text).toContain("Browser or app: Firefox on Linux\n");
  });

  it("a changed address: the undo link when there is one, else support, never the reset page it cannot use", () => {
    const withLink = notice("email_changed", { undoLink: `${appURL}/undo-email-change#token=t` });
    expect(withLink.text).toContain(`Undo the change: ${appURL}/undo-email-change#token=t\n`);
    expect(withLink.text).not.toContain("/forgot-password");
    const without = notice("email_changed");
    expect(without.text).toContain(
      "If it was not, contact Acme's support: this address can no longer sign in to the account or ask for a new password.",
    );
    expect(without.text).not.toContain("/forgot-password");
    expect(without.text).not.toContain("#token=");
  });

  it("a new password required by staff: says what stopped working and what ended, carries the link, and where to ask for another once it expires; with no password before, no old one", () => {
    const required = (hadPassword: boolean) =>
      composeNewPasswordRequiredMail({
        to,
        nickname: "ada",
        link: `${appURL}/reset-password#token=t`,
        appURL,
        brand: { name: "Acme ID", supportURL: "mailto:help@acme.test" },
        hadPassword,
      });
    const mail = required(true);
    expect(mail).toMatchObject({ kind: "password_reset", subject: "Choose a new password for your account" });
    expect(mail.text).toContain(
      "An administrator of Acme ID asked you to choose a new password for your account. Your old password no longer signs in, and you were signed out on every device and from every app.",
    );
    expect(mail.text).toContain(`Choose a new password: ${appURL}/reset-password#token=t`);
    expect(mail.text).toContain("The link works once and expires in 1 hour.");
    expect(mail.text).toContain(`Ask for a new link: ${appURL}/forgot-password`);
    expect(mail.text).toContain("If you did not expect this, contact Acme ID's support.");
    // An account signed in through providers only had no password to stop working.
    const none = required(false);
    expect(none.text).toContain(
      "An administrator of Acme ID asked you to choose a password for your account, and you were signed out on every device and from every app.",
    );
    expect(none.text).not.toContain("old password");
    expect(none.text).toContain(`Choose a new password: ${appURL}/reset-password#token=t`);
  });

  it("the export-ready mail links where to act if nobody asked for it", () => {
    const mail = composeExportReadyMail({
      to,
      nickname: "ada",
      appURL,
      sha256: "ab".repeat(32),
      expiresAt: occurredAt,
      brand,
      accountMark,
    });
    expect(mail.text).toContain("If you did not ask for this, someone else is signed in to your account");
    expect(mail.text).toContain(`Review your sessions: ${appURL}/account/sessions?account=${accountMark}\n`);
  });

  it("the account center's links name the account the mail is about by its mark; the forgot-password link names none", () => {
    // Opened in a browser signed in as another account, the page compares the mark with that
    // account's and says the link is for another one (docs/hosted-pages.md).
    const sessions = `${appURL}/account/sessions?account=${accountMark}`;
    expect(notice("new_device_sign_in").text).toContain(`Review your sessions: ${sessions}\n`);
    expect(notice("new_device_sign_in").html).toContain(`<a href="${sessions}">Review your sessions</a>`);
    const exported = composeExportReadyMail({
      to,
      nickname: "ada",
      appURL: `${appURL}/`,
      sha256: "ab".repeat(32),
      expiresAt: occurredAt,
      brand,
      accountMark,
    });
    expect(exported.text).toContain(`Download my data: ${appURL}/account/export?account=${accountMark}\n`);
    expect(exported.text).toContain(`Review your sessions: ${sessions}\n`);
    for (const mail of [notice("password_changed"), exported]) {
      expect(mail.text).toContain(`Choose a new password: ${appURL}/forgot-password\n`);
      expect(mail.text).not.toContain("/forgot-password?");
    }
    // A mark that needed escaping (none does: base64url) would be escaped, not cut the address.
    expect(
      composeSecurityNotice({
        to,
        nickname: "ada",
        appURL,
        brand,
        accountMark: "a&b c",
        event: { type: "password_changed", details: {}, occurredAt, ip: null, userAgent: null },
      }).text,
    ).toContain(`${appURL}/account/sessions?account=a%26b%20c\n`);
  });

  it("the backup codes' notice says how to go on without the authenticator new codes need", () => {
    // A person signing in with backup codes has often lost the authenticator app, and making new
    // codes asks for a code from it: the way on is turning 2FA off with a backup code, then on again.
    const mail = notice("backup_code_used");
    expect(mail.text).toContain("make new ones from your account settings");
    expect(mail.text).toContain(
      "if you lost it, turn two-factor authentication off there with a backup code, then set it up again on your new device.",
    );
  });

  it("calls a link a link: the mails have no buttons", () => {
    const mail = notice("password_changed");
    expect(mail.html).toContain("If the link does not work, copy this address into your browser");
    expect(mail.html).not.toContain("button");
  });
});
