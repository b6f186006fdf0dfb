import { adminNav } from "../admin/nav.ts";
import { noMailYet } from "../pages/email-requests.ts";
import type { NavItem } from "../pages/signed-in-area.ts";

/**
 * The account center's sections, in the nav's order (issue 10, "Account center"). Every section is
 * listed from the start; one whose pages are not built yet answers the area's 404 page.
 */
export const accountNav: readonly (NavItem & { readonly description: string })[] = [
  { id: "overview", label: "Overview", href: "/account", description: "who is signed in" },
  { id: "profile", label: "Profile", href: "/account/profile", description: "nickname and email address" },
  { id: "password", label: "Password", href: "/account/password", description: "set or change it" },
  {
    id: "two-factor",
    label: "Two-step verification (2FA)",
    href: "/account/two-factor",
    description: "an authenticator app and backup codes",
  },
  {
    id: "providers",
    label: "Linked providers",
    href: "/account/providers",
    description: "accounts at other services you sign in with",
  },
  { id: "sessions", label: "Sessions", href: "/account/sessions", description: "where you are signed in" },
  {
    id: "apps",
    label: "Authorized apps",
    href: "/account/apps",
    description: "apps you let use your account",
  },
  {
    id: "developer-apps",
    label: "Developer apps",
    href: "/account/developer-apps",
    description: "apps you registered",
  },
  { id: "activity", label: "Activity", href: "/account/activity", description: "recent security events" },
  { id: "export", label: "Export data", href: "/account/export", description: "a copy of your data" },
  { id: "delete", label: "Delete account", href: "/account/delete", description: "remove your account" },
];

/**
 * The section of the account center or the admin console a page of `path` belongs to (its nav
 * label, e.g. "Password" for `/account/password`), or null: what the fresh-proof page says the
 * proof is for.
 */
export function sectionLabelOf(path: string): string | null {
  const pathname = path.split(/[?#]/)[0] ?? path;
  let found: NavItem | null = null;
  for (const item of [...accountNav, ...adminNav]) {
    const within = pathname === item.href || pathname.startsWith(`${item.href}/`);
    if (within && item.href.length > (found?.href.length ?? 0)) found = item;
  }
  // The overview is every page's parent, and names no change.
  return found === null || found.href === "/account" ? null : found.label;
}

/** The one-shot notices of the account center: a key in the redirect, these words on the next page. */
export const accountNotices: Readonly<Record<string, string>> = {
  signed_in: "You are signed in.",
  signed_out: "You are signed out.",
  // A member of staff who ended every session of their own account in the admin console.
  signed_out_everywhere:
    "Every session of your account has ended, this one included, so you are signed out: sign in again to go on.",
  // After a sign-in with a backup code: often the authenticator is lost, and new backup codes need it.
  backup_code_signed_in:
    "You signed in with a backup code, which cannot be used again. Lost your authenticator app? Under Two-step verification, turn it off with another backup code, then set it up again on your new device.",
  confirmed: "Thanks, you can make the change now.",
  password_changed: "Your password has been changed. Your other sessions are signed out.",
  password_set: "Your password has been set.",
  // Not the page's own "Two-step verification is off" again: what changed, and what went with it.
  two_factor_disabled: "Two-step verification has been turned off, and its backup codes no longer work.",
  provider_linked: "The provider is linked: you can sign in with it now.",
  provider_unlinked: "The provider is unlinked.",
  nickname_changed: "Your nickname has been changed.",
  // The nickname sent was the account's own: updateProfile changes and records nothing.
  nickname_unchanged: "That is your nickname already: nothing changed.",
  verification_sent: `A new verification link is on its way to your address. ${noMailYet}`,
  address_verified_already: "Your email address is verified already: no new link is needed.",
  email_change_sent:
    "Check the new address: open the link we sent there to finish the change. Until then your address stays as it is.",
  session_revoked: "That session is signed out.",
  other_sessions_revoked: "Your other sessions are signed out. This one stays signed in.",
  // Sent from a page opened before they ended (elsewhere, or by expiring): nothing to sign out.
  no_other_sessions:
    "No other session was signed in, so there was nothing to sign out. This one stays signed in.",
  app_revoked: "The app can no longer use your account.",
  app_registered: "Your app is registered.",
  app_updated: "Your app's settings are saved.",
  app_deleted: "Your app is deleted, with every authorization and token it had.",
  export_requested: "Your export is on its way. We will also email you when it is ready.",
  export_running: "You already have an export on its way: here it is.",
};
