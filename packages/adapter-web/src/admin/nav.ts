import type { NavItem } from "../pages/signed-in-area.ts";

/** The admin console's sections, in the nav's order (docs/admin.md, "The console"). */
export const adminNav: readonly NavItem[] = [
  { id: "users", label: "Users", href: "/admin/users", permission: "read_users" },
  { id: "audit", label: "Audit log", href: "/admin/audit", permission: "read_audit" },
  {
    id: "maintenance",
    label: "Status notice",
    href: "/admin/maintenance-notice",
    permission: "set_maintenance_notice",
  },
];

/** The admin console's one-shot notices: a key in the redirect, these words on the next page. */
export const adminNotices: Readonly<Record<string, string>> = {
  confirmed: "Thanks, you can make the change now.",
  user_disabled: "The account is disabled and every session of it has ended.",
  user_enabled: "The account is enabled again.",
  user_already_active:
    "The account was active already (an earlier click, another tab or another member of staff enabled it): this click changed nothing and mailed nothing more.",
  user_unlocked: "The sign-in lock is lifted.",
  user_already_unlocked:
    "The account was not locked (an earlier click, another tab or another member of staff lifted the lock, or it had none): this click changed nothing.",
  email_verified: "The address is marked verified, and its holder is mailed about it.",
  verification_resent:
    "A verification link is on its way to the address: the newest link mailed works, older ones do not.",
  new_password_required:
    "The password no longer signs in and every session of the account has ended: a link to choose a new one is on its way to the address.",
  new_password_link_on_its_way:
    "The password no longer signs in and every session of the account has ended. This click mailed no link: one mailed less than a minute ago (an earlier click, or the person's own request) is on its way, and it works.",
  password_reset_sent:
    "A password-reset link is on its way to the address: the newest link mailed works, older ones do not.",
  two_factor_reset: "Two-step verification is off for this account.",
  provider_unlinked:
    "The provider is unlinked: it no longer signs in to this account, and the person is mailed about it.",
  provider_unlinked_last:
    "The provider is unlinked, and it was the account's last way to sign in: the person is mailed about it, and gets back in by choosing a password with a password-reset link.",
  provider_unlinked_last_disabled:
    "The provider is unlinked, and it was the account's last way to sign in: the person is mailed about it. The account is disabled, so no password-reset link reaches it: once an admin enables it, the person gets back in by choosing a password with a password-reset link.",
  provider_already_unlinked:
    "That provider was not linked any more (an earlier click, another tab or another member of staff unlinked it): this click changed nothing and mailed nothing.",
  sessions_revoked: "Every session of this account has ended.",
  sessions_already_ended:
    "The account had no session left to end (an earlier click, another tab or another member of staff ended them, or it had none): this click changed nothing and mailed nothing.",
  role_changed: "The role is changed.",
  role_unchanged: "The account already has that role: nothing changed.",
  user_deleted: "The account is deleted.",
  notice_set: "The notice is on the status page (every instance shows it within a few seconds).",
  notice_cleared: "The status page shows no notice now.",
};
