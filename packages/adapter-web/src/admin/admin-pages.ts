import type { UseCases, UserDetails } from "@superoauth/application";
import {
  checkStaffPermission,
  describeStaffAction,
  isStaffRead,
  maxDisableReasonLength,
  maxMailsPerAddress,
  maxMaintenanceNoticeLength,
  ok,
  providerDisplayName,
  type Result,
  roles,
  type StaffAction,
  type UserId,
  utcText,
} from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import type { AccountPagesOptions } from "../account/account-pages.ts";
import { accountNotices } from "../account/nav.ts";
import { shownClient, shownEvent } from "../account/present.ts";
import { clientOf } from "../client.ts";
import { createPageKit } from "../pages/page-kit.ts";
import { createSignedInArea, oneShotNotices, type PageContext, withNext } from "../pages/signed-in-area.ts";
import { typedEmailMatches } from "../pages/typed-confirmation.ts";
import { adminNav, adminNotices } from "./nav.ts";
import { pageLinks, pagePosition } from "./paging.ts";

/** The account center's options: staff sign in there, one browser session and CSRF key for both. */
export type AdminPagesOptions = Pick<
  AccountPagesOptions,
  "useCases" | "browserSessions" | "theme" | "cookies" | "secret"
>;

const usersPath = "/admin/users";
const signInPath = "/account/sign-in";
const idPattern = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The admin console at `/admin` (issue 10, docs/admin.md): user search, a user's page with the
 * staff actions, the audit log. Pages are gated by the domain's permission table (403 page);
 * what may be done to one account is the use cases' (INSUFFICIENT_PERMISSIONS, LAST_ADMIN).
 */
export function createAdminPages(options: AdminPagesOptions): (app: FastifyInstance) => Promise<void> {
  return async (root) => {
    await root.register(
      async (app) => {
        const kit = createPageKit(options);
        await kit.install(app, { notFound: true });
        const area = createSignedInArea({
          kit,
          browserSessions: options.browserSessions,
          cookies: options.cookies,
          nav: adminNav,
          notices: adminNotices,
          signInPath,
          confirmPath: "/account/confirm",
          checkStaffAccess: options.useCases.checkStaffAccess,
        });
        // The sign-in page's notices, for staff who signed themselves out (their own "End every session").
        const signInNotices = oneShotNotices(options.cookies, accountNotices);
        adminPages(app, area, options.useCases, signInNotices);
        maintenanceNoticePage(app, area, options.useCases);
      },
      { prefix: "/admin" },
    );
  };
}

type Area = ReturnType<typeof createSignedInArea>;

/** The actions of the user page, each with its form path and the notice of its success. */
const userActions = [
  { id: "disable", path: "disable", notice: "user_disabled" },
  { id: "enable", path: "enable", notice: "user_enabled" },
  { id: "unlock", path: "unlock", notice: "user_unlocked" },
  { id: "reset_two_factor", path: "reset-2fa", notice: "two_factor_reset" },
  { id: "unlink_provider", path: "unlink-provider", notice: "provider_unlinked" },
  { id: "resend_verification", path: "resend-verification", notice: "verification_resent" },
  { id: "send_password_reset", path: "send-password-reset", notice: "password_reset_sent" },
  { id: "require_new_password", path: "require-new-password", notice: "new_password_required" },
  { id: "verify_email", path: "verify-email", notice: "email_verified" },
  { id: "revoke_sessions", path: "revoke-sessions", notice: "sessions_revoked" },
] as const satisfies readonly { id: StaffAction; path: string; notice: string }[];

function adminPages(
  app: FastifyInstance,
  area: Area,
  useCases: UseCases,
  signInNotices: ReturnType<typeof oneShotNotices>,
): void {
  const idOf = (page: PageContext): string | null => {
    const id = (page.request.params as { id?: unknown }).id;
    return typeof id === "string" && idPattern.test(id) ? id : null;
  };
  // A refusal's page, titled as the page refused: a missing account, a role without the permission,
  // a spent read allowance (with its Retry-After).
  const renderRefusal = (
    page: PageContext,
    failure: { error: string; message?: string; retryAfterSeconds?: number },
    where: { title: string; section: "users" | "audit" } = { title: "User", section: "users" },
  ) => {
    const { status, message } = page.failure(failure);
    // Most often an account deleted since the page that linked it was loaded: said, with the way back.
    const missing = failure.error === "USER_NOT_FOUND";
    return page.render(
      "notice",
      {
        ...where,
        navLabel: "Admin",
        message: missing ? "No account has this id: it may have been deleted." : message,
        status: false,
        link: missing ? { href: usersPath, text: "Back to the user search" } : null,
      },
      { status },
    );
  };

  area.page(app, "/", { permission: "read_users" }, async (page) => page.reply.redirect(usersPath, 303));

  area.page(app, "/users", { permission: "read_users" }, async (page) => {
    const q = (page.request.query as { q?: unknown }).q;
    const query = typeof q === "string" ? q.slice(0, 254) : "";
    const position = pagePosition(page.request.query);
    const found = await useCases.searchUsers({
      actor: page.signedIn,
      client: clientOf(page.request),
      query,
      cursor: position.cursor,
    });
    if (!found.ok && found.error === "VALIDATION_ERROR") {
      // A search the form cannot make (a control character in the term, a made-up cursor: a
      // hand-made link), said above the form, which is emptied: its term cannot be shown as typed.
      const { status, message } = page.failure(found);
      return page.render(
        "admin/users",
        {
          title: "Users",
          section: "users",
          navLabel: "Admin",
          query: "",
          error: inFormWords(message, "q", "The search"),
          users: null,
          links: null,
        },
        { status },
      );
    }
    if (!found.ok) return renderRefusal(page, found, { title: "Users", section: "users" });
    return page.render("admin/users", {
      title: "Users",
      section: "users",
      navLabel: "Admin",
      query,
      error: null,
      users: found.value.users.map((user) => ({
        id: user.id,
        email: user.email,
        nickname: user.nickname,
        role: user.role,
        status: user.status,
        created: utcText(user.createdAt),
      })),
      links: pageLinks({
        path: usersPath,
        params: query === "" ? {} : { q: query },
        position,
        nextCursor: found.value.nextCursor,
      }),
    });
  });

  /** The account of the path's `:id` as staff see it, or the error page already answered (null). */
  const personOf = async (page: PageContext): Promise<UserDetails | null> => {
    const id = idOf(page);
    const details =
      id === null
        ? null
        : await useCases.getUserDetails({ actor: page.signedIn, client: clientOf(page.request), userId: id });
    if (details?.ok) return details.value;
    renderRefusal(page, details ?? { error: "USER_NOT_FOUND" });
    return null;
  };

  const renderUser = async (
    page: PageContext,
    input: { error?: string; status?: number; reasonError?: string } = {},
  ) => {
    const details = await personOf(page);
    if (details === null) return page.reply;
    return page.render(
      "admin/user",
      {
        title: details.user.email,
        section: "users",
        navLabel: "Admin",
        person: presentPerson(details),
        events: details.recentEvents.map(shownEvent),
        may: permittedActions(page, details),
        ownAccount: details.user.id === page.signedIn.user.id,
        roles,
        // Back from the fresh-proof step, the role the admin chose, not the account's (sent again as
        // it was, the current role would change nothing).
        selectedRole: draftedRole(page) ?? details.user.role,
        // The disable's reason as typed: sent back refused, or back from the fresh-proof step.
        reason: page.form("reason", maxDisableReasonLength * 4),
        reasonMaxLength: maxDisableReasonLength,
        // A refused reason is said beside its field, low on a long page, not at the page's top, out
        // of sight once the field has the focus (a narrow screen showed the field marked, not why).
        reasonError: input.reasonError ?? null,
        linksPerHour: maxMailsPerAddress,
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );
  };

  area.page(app, "/users/:id", { permission: "read_users" }, async (page) => renderUser(page));

  /** Each action's use case, given the acting member of staff, the account and the form sent. */
  type StaffInput = { actor: PageContext["signedIn"]; client: ReturnType<typeof clientOf>; userId: string };
  const runAction: Record<
    (typeof userActions)[number]["id"],
    (input: StaffInput, page: PageContext) => Promise<Result<unknown>>
  > = {
    disable: async (input, page) => {
      const reason = page.form("reason", maxDisableReasonLength * 4);
      const result = await useCases.changeUserStatus({ ...input, status: "disabled", reason });
      if (!result.ok || result.value.changed) return result;
      // Disabled already (another member of staff, a stale page): said, with the reason that stands,
      // unless that is the one typed (a double click; trimmed, as the use case keeps it).
      const typed = reason.trim();
      const standing = result.value.disabledReason;
      if (typed === standing) return result;
      return ok(new AlreadyDisabled({ typed, standing }));
    },
    enable: async (input) => {
      const result = await useCases.changeUserStatus({ ...input, status: "active" });
      // Active already (another tab, another member of staff): nothing was changed or mailed.
      return result.ok && !result.value.changed ? ok(new OtherNotice("user_already_active")) : result;
    },
    unlock: async (input) => {
      const result = await useCases.unlockUser(input);
      // No lock in force (another member of staff lifted it, a stale page): nothing was done.
      return result.ok && !result.value.lifted ? ok(new OtherNotice("user_already_unlocked")) : result;
    },
    reset_two_factor: (input) => useCases.resetUserTwoFactor(input),
    unlink_provider: async (input, page) => {
      const result = await useCases.unlinkUserProvider({ ...input, provider: page.form("provider", 32) });
      if (!result.ok) return result;
      // Not linked any more (a double click, another tab, another member of staff): nothing was done.
      if (!result.value.unlinked) return ok(new OtherNotice("provider_already_unlinked"));
      const { password, providers } = result.value.remainingSignIn;
      if (password || providers.length > 0) return result;
      // No reset link reaches a disabled account: the way back starts with enabling it.
      return ok(
        new OtherNotice(
          result.value.accountStatus === "disabled"
            ? "provider_unlinked_last_disabled"
            : "provider_unlinked_last",
        ),
      );
    },
    resend_verification: (input) => useCases.resendUserVerification(input),
    send_password_reset: (input) => useCases.sendUserPasswordReset(input),
    require_new_password: async (input) => {
      const result = await useCases.requireNewPassword(input);
      // No link mailed by this click (a double click, the person's own request just before).
      return result.ok && !result.value.linkMailed
        ? ok(new OtherNotice("new_password_link_on_its_way"))
        : result;
    },
    verify_email: (input) => useCases.verifyUserEmail(input),
    revoke_sessions: async (input) => {
      const result = await useCases.revokeUserSessions(input);
      // No session left (another member of staff ended them, a stale page): nothing was done or mailed.
      return result.ok && result.value.sessionsEnded === 0
        ? ok(new OtherNotice("sessions_already_ended"))
        : result;
    },
  };

  for (const action of userActions) {
    area.action(app, `/users/:id/${action.path}`, { permission: action.id }, async (page) => {
      const id = idOf(page);
      if (id === null) return renderRefusal(page, { error: "USER_NOT_FOUND" });
      const input = { actor: page.signedIn, client: clientOf(page.request), userId: id };
      const result = await runAction[action.id](input, page);
      if (!result.ok) {
        if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(`${usersPath}/${id}`);
        const { status, message } = page.failure(result);
        // A disable refused for its reason: said in the form's words, beside the field.
        if (action.id === "disable" && result.error === "VALIDATION_ERROR") {
          return renderUser(page, { reasonError: inFormWords(message, "reason", "The reason"), status });
        }
        return renderUser(page, { error: message, status });
      }
      // Not a plain success: the reason typed was dropped. What was typed is in the words, to copy.
      if (result.value instanceof AlreadyDisabled) {
        return renderUser(page, { error: result.value.message, status: 409 });
      }
      if (action.id === "revoke_sessions" && id === page.signedIn.user.id) {
        // Their own sessions ended, this browser's with them (the page said so beside the button):
        // the sign-in page, saying why, rather than a console that no longer knows them.
        signInNotices.keep(page.reply, "signed_out_everywhere");
        return page.reply.redirect(withNext(signInPath, `${usersPath}/${id}`), 303);
      }
      const notice = result.value instanceof OtherNotice ? result.value.notice : action.notice;
      return page.redirect(`${usersPath}/${id}`, notice);
    });
  }

  area.action(app, "/users/:id/role", { permission: "change_role" }, async (page) => {
    const id = idOf(page);
    if (id === null) return renderRefusal(page, { error: "USER_NOT_FOUND" });
    const result = await useCases.changeUserRole({
      actor: page.signedIn,
      client: clientOf(page.request),
      userId: id,
      role: page.form("role", 32),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(`${usersPath}/${id}`);
      const { status, message } = page.failure(result);
      return renderUser(page, { error: message, status });
    }
    return page.redirect(`${usersPath}/${id}`, result.value.changed ? "role_changed" : "role_unchanged");
  });

  // Deleting asks for a second step: the admin types the person's email address.
  const renderDelete = async (page: PageContext, input: { error?: string; status?: number } = {}) => {
    const details = await personOf(page);
    if (details === null) return page.reply;
    // The apps the person registered go too, for every one of their users: named, as the
    // person's own deletion page names them.
    const apps = await useCases.listApps({ userId: details.user.id });
    return page.render(
      "admin/delete",
      {
        title: "Delete this account",
        section: "users",
        navLabel: "Admin",
        person: { id: details.user.id, email: details.user.email, nickname: details.user.nickname },
        ownApps: apps.ok ? apps.value.map((app) => app.name) : [],
        typed: page.hasDraft ? page.form("confirm_email", 320) : "",
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );
  };

  area.page(app, "/users/:id/delete", { permission: "delete" }, async (page) => renderDelete(page));

  area.action(app, "/users/:id/delete", { permission: "delete" }, async (page) => {
    const details = await personOf(page);
    if (details === null) return page.reply;
    const id = details.user.id;
    if (!typedEmailMatches(page.form("confirm_email", 320), details.user.email)) {
      return renderDelete(page, {
        error: "Type the account's email address exactly to delete it",
        status: 400,
      });
    }
    const result = await useCases.deleteUser({
      actor: page.signedIn,
      client: clientOf(page.request),
      userId: id,
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(`${usersPath}/${id}/delete`);
      const { status, message } = page.failure(result);
      return renderDelete(page, { error: message, status });
    }
    return page.redirect(usersPath, "user_deleted");
  });

  area.page(app, "/audit", { permission: "read_audit" }, async (page) => {
    const position = pagePosition(page.request.query);
    const listed = await useCases.listAdminAudit({ actor: page.signedIn, cursor: position.cursor });
    if (!listed.ok) return renderRefusal(page, listed, { title: "Audit log", section: "audit" });
    // The page names people by their email; a deleted account's pseudonym stays an id.
    const { emails } = listed.value;
    const person = (id: UserId | null) => (id === null ? null : { id, email: emails.get(id) ?? null });
    return page.render("admin/audit", {
      title: "Audit log",
      section: "audit",
      navLabel: "Admin",
      actions: listed.value.actions.map((event) => ({
        type: event.type,
        description: describeStaffAction(event),
        read: isStaffRead(event.type),
        actor: person(event.actorId),
        target: person(event.userId),
        // The day and the time of day, so a narrow column breaks between them, never in the date.
        day: utcText(event.occurredAt).slice(0, 10),
        time: utcText(event.occurredAt).slice(11),
        iso: event.occurredAt.toISOString(),
        // Where the member of staff acted from: the address, and the browser in words.
        from: event.ip === null && event.userAgent === null ? null : shownClient(event),
      })),
      links: pageLinks({ path: "/admin/audit", params: {}, position, nextCursor: listed.value.nextCursor }),
    });
  });
}

/** A success that did something else than the action's notice says (an enable of an active account). */
class OtherNotice {
  readonly notice: keyof typeof adminNotices;
  constructor(notice: keyof typeof adminNotices) {
    this.notice = notice;
  }
}

/**
 * A disable that found the account disabled already (two staff at once, or a page loaded before
 * someone else disabled it): nothing changed and the reason typed was not kept, so the page says
 * which reason stands and how to give another, never a plain success.
 */
class AlreadyDisabled {
  readonly message: string;
  constructor(input: { typed: string; standing: string | null }) {
    const stands =
      input.standing === null ? "It has no reason recorded." : `The reason that stands: "${input.standing}".`;
    this.message =
      `This account was disabled after this page was loaded (in another tab, or by someone else), so nothing changed and your reason was not kept: "${input.typed}". ${stands} ` +
      "To give your reason instead, enable the account, then disable it again with it.";
  }
}

/**
 * `/admin/maintenance-notice`: the notice of the public status page, which every instance shows
 * (admins only). Set it, replace it, clear it; each is in the audit log.
 */
function maintenanceNoticePage(app: FastifyInstance, area: Area, useCases: UseCases): void {
  const path = "/maintenance-notice";
  const render = async (
    page: PageContext,
    input: { message?: string; error?: string; status?: number } = {},
  ) => {
    const notice = await useCases.findMaintenanceNotice({});
    return page.render(
      "admin/maintenance-notice",
      {
        title: "Status notice",
        section: "maintenance",
        navLabel: "Admin",
        current: notice === null ? null : { message: notice.message, set: utcText(notice.setAt) },
        message: input.message ?? notice?.message ?? "",
        maxLength: maxMaintenanceNoticeLength,
        error: input.error === undefined ? null : noticeRefusal(input.error, notice !== null),
      },
      { status: input.status ?? 200 },
    );
  };

  area.page(app, path, { permission: "set_maintenance_notice" }, async (page) => render(page));

  area.action(app, path, { permission: "set_maintenance_notice" }, async (page) => {
    const clear = page.form("decision", 16) === "clear";
    const message = page.form("message", maxMaintenanceNoticeLength * 4);
    const result = await useCases.setMaintenanceNotice({
      actor: page.signedIn,
      client: clientOf(page.request),
      message: clear ? null : message,
    });
    if (!result.ok) {
      const { status, message: reason } = page.failure(result);
      return render(page, { message, error: reason, status });
    }
    return page.redirect(`/admin${path}`, clear ? "notice_cleared" : "notice_set");
  });
}

/**
 * A refused notice's reason in the form's words: the domain's messages name the API's field ("message must
 * not be empty: clear the notice instead"), and the Clear button is there only with a notice shown.
 */
function noticeRefusal(reason: string, shown: boolean): string {
  if (reason.startsWith("message must not be empty")) {
    return shown
      ? "Type the notice to show, or take the one shown down with Clear the notice."
      : "Type the notice to show.";
  }
  return inFormWords(reason, "message", "The notice");
}

/** A refusal that names the API's field ("reason must be ...") in a form's words ("The reason must be ..."). */
function inFormWords(message: string, field: string, label: string): string {
  return message.startsWith(`${field} `) ? `${label}${message.slice(field.length)}` : message;
}

/** What the user page shows of an account (getUserDetails): never a hash or a secret. */
/** The role a draft of the role form holds (the form sent before the fresh-proof step), if any. */
function draftedRole(page: PageContext): string | null {
  if (!page.hasDraft) return null;
  const role = page.form("role", 32);
  return (roles as readonly string[]).includes(role) ? role : null;
}

function presentPerson(details: UserDetails) {
  const { user } = details;
  return {
    id: user.id,
    email: user.email,
    nickname: user.nickname,
    role: user.role,
    status: user.status,
    // Shown beside a disabled status; null for an account disabled before reasons were kept.
    disabledReason: details.disabledReason,
    emailVerified: user.emailVerified,
    hasPassword: user.passwordHash !== null,
    twoFactorEnabled: details.twoFactorEnabled,
    locked: details.lockedUntil !== null,
    lockedUntil: details.lockedUntil === null ? null : utcText(details.lockedUntil),
    sessionCount: details.liveSessionCount,
    linkedProviders: details.linkedProviders.map((link) => ({
      provider: link.provider,
      name: providerDisplayName(link.provider),
      email: link.email,
      linkedAt: utcText(link.linkedAt),
    })),
    created: utcText(user.createdAt),
  };
}

/**
 * Which action forms the page offers: those the domain's table lets this role perform on an account
 * of the target's role (the use cases check again on every POST), and only those that apply now.
 */
function permittedActions(page: PageContext, details: UserDetails) {
  const { user } = details;
  const may = (action: StaffAction) =>
    checkStaffPermission({
      actorRole: page.signedIn.user.role,
      action,
      targetRole: user.role,
      onOwnAccount: user.id === page.signedIn.user.id,
    }).ok;
  return {
    disable: may("disable") && user.status === "active",
    enable: may("enable") && user.status === "disabled",
    unlock: may("unlock") && details.lockedUntil !== null,
    resetTwoFactor: may("reset_two_factor") && details.twoFactorEnabled,
    unlinkProvider: may("unlink_provider") && details.linkedProviders.length > 0,
    // A disabled account is mailed no link (its links are refused): enable it first (the page says so).
    resendVerification: may("resend_verification") && !user.emailVerified && user.status === "active",
    resendAfterEnabling: may("resend_verification") && !user.emailVerified && user.status === "disabled",
    sendPasswordReset: may("send_password_reset") && user.status === "active",
    resetAfterEnabling: may("send_password_reset") && user.status === "disabled",
    requireNewPassword: may("require_new_password") && user.status === "active",
    verifyEmail: may("verify_email") && !user.emailVerified,
    revokeSessions: may("revoke_sessions"),
    changeRole: may("change_role"),
    delete: may("delete"),
  };
}
