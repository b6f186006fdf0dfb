import { attemptBudget, type Clock, missingFreshProof, type UseCases } from "@superoauth/application";
import { oauthProviderNames } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { adminNav } from "../admin/nav.ts";
import type { HostedBrowserSessions } from "../browser-sessions.ts";
import { clientOf } from "../client.ts";
import type { ProviderTrips } from "../contracts.ts";
import type { CookieSettings } from "../cookies.ts";
import { createPageKit, field, type PageKit } from "../pages/page-kit.ts";
import { secondFactorOfForm, secondFactorProof } from "../pages/sign-in-steps.ts";
import { createSignedInArea, type PageContext, safeNext, withNext } from "../pages/signed-in-area.ts";
import { defaultTheme, type Theme } from "../theme.ts";
import { accountSignIn } from "./account-sign-in.ts";
import { accountActivityPages } from "./activity-pages.ts";
import { accountDeletionPages } from "./delete-pages.ts";
import { keepTrip, linkedProvidersPages, providerFormTargets, tripFailure } from "./linked-providers.ts";
import { accountNav, accountNotices, sectionLabelOf } from "./nav.ts";
import { profilePages } from "./profile-pages.ts";
import { tripNext } from "./trip-next.ts";

export interface AccountPagesOptions {
  readonly useCases: UseCases;
  /** The same browser session as the interaction pages (one browser, one signed-in account). */
  readonly browserSessions: HostedBrowserSessions;
  readonly theme?: Theme | undefined;
  readonly cookies: CookieSettings;
  /** The CSRF key (the interaction pages' secret: one token works on both). */
  readonly secret: string;
  /** REQUIRE_EMAIL_VERIFICATION: sign-up ends with "check your mail" instead of signing in. */
  readonly requireEmailVerification: boolean;
  /** adapter-http's trips to a provider (linking, a fresh proof through a provider). */
  readonly providerTrips: ProviderTrips;
  /** The use cases' clock: the date on a backup-codes file. */
  readonly clock: Clock;
  /**
   * The OpenID provider's issuer (OIDC_ISSUER), which a registered app's page names beside its
   * client id: what an app's sign-in library is configured with. Absent: the page leaves it out.
   */
  readonly oidcIssuer?: string | undefined;
}

const home = "/account";
const signInPath = "/account/sign-in";
const confirmPath = "/account/confirm";

/**
 * The account center at `/account` (issue 10): its own sign-in (password, then the second factor),
 * sign-out, the fresh-proof page, and the pages built on the signed-in area kit
 * (docs/account-center.md). A plugin for `buildHttpApp({ plugins })`, in its own scope.
 */
export function createAccountPages(options: AccountPagesOptions): (app: FastifyInstance) => Promise<void> {
  return async (root) => {
    await root.register(
      async (app) => {
        const kit = createPageKit(options);
        await kit.install(app, { notFound: true });
        accountSignIn(app, kit, options, { home, signInPath });
        accountPages(app, kit, options);
      },
      { prefix: home },
    );
    // W3C "A Well-Known URL for Changing Passwords": a password manager's "change password" button
    // opens it and lands on the password page (through sign-in when signed out).
    root.get("/.well-known/change-password", async (_request, reply) =>
      reply.redirect(`${home}/password`, 303),
    );
  };
}

/** The signed-in pages: the overview, the fresh-proof step, password, two-step verification. */
function accountPages(app: FastifyInstance, kit: PageKit, options: AccountPagesOptions): void {
  const { useCases } = options;
  const area = createSignedInArea({
    kit,
    browserSessions: options.browserSessions,
    cookies: options.cookies,
    nav: accountNav,
    notices: accountNotices,
    signInPath,
    confirmPath,
    checkStaffAccess: useCases.checkStaffAccess,
  });

  area.page(app, "/", {}, async (page) =>
    page.render("account/overview", {
      title: "Your account",
      section: "overview",
      sections: accountNav.slice(1),
      // Where a sign-up lands (without REQUIRE_EMAIL_VERIFICATION): it says a link was mailed.
      emailVerified: page.signedIn.user.emailVerified,
    }),
  );

  // The fresh proof (ADR 0012): the password, or a code for an account without one. Staff with a
  // second factor prove with it: their actions take no password-only proof (docs/admin.md).
  const proofMethod = async (page: PageContext): Promise<"password" | "code" | "none"> => {
    const { user } = page.signedIn;
    if (user.passwordHash !== null && user.role === "user") return "password";
    const status = await useCases.getTwoFactorStatus({ userId: user.id });
    if (status.ok && status.value.enabled) return "code";
    return user.passwordHash !== null ? "password" : "none";
  };
  const nextOf = (page: PageContext) =>
    safeNext((page.request.query as Record<string, unknown>).next) ?? home;
  const renderConfirm = async (
    page: PageContext,
    input: { error?: string; status?: number; next?: string } = {},
  ) => {
    const next = input.next ?? nextOf(page);
    // Asked for by the admin console (a staff action): its nav, the way back to where staff were.
    const fromConsole = next === "/admin" || next.startsWith("/admin/");
    return page.render(
      "account/confirm",
      {
        title: "Confirm it is you",
        section: "",
        ...(fromConsole ? { navLabel: "Admin" } : {}),
        method: await proofMethod(page),
        // What the proof is for, and the way back without it: the page the change was asked on.
        purpose: sectionLabelOf(next),
        back: next,
        forgotPath: "/forgot-password",
        action: withNext(confirmPath, next),
        // An account with neither a password nor 2FA proves itself through a linked provider.
        providerAction: withNext(`${confirmPath}/provider`, next),
        providers: (await useCases.listLinkedProviders({ userId: page.signedIn.user.id })).map((link) => ({
          id: link.provider,
          name: oauthProviderNames[link.provider],
        })),
        error: input.error ?? null,
      },
      {
        status: input.status ?? 200,
        formTargets: providerFormTargets,
        ...(fromConsole ? { nav: adminNav } : {}),
      },
    );
  };

  area.page(app, "/confirm", {}, async (page) => renderConfirm(page));

  // The proof the step is given: the password, or the code, as the account proves (proofMethod).
  const proofOf = (method: "password" | "code" | "none", body: unknown) =>
    method === "password" ? { password: field(body, "password", 1024) } : secondFactorOfForm(body);
  // A form with either typed is an attempt, drawn from the step's budget (`general`, as its API
  // twins'); one with neither is shown again with what is missing, and draws from `pages` (ADR 0070).
  const limitOf = attemptBudget(
    (body) =>
      missingFreshProof(proofOf("password", body)) === null ? null : missingFreshProof(proofOf("code", body)),
    "general",
    "pages",
  );
  area.action(app, "/confirm", { limitOf }, async (page) => {
    const proof = proofOf(await proofMethod(page), page.body);
    const result = await useCases.reauthenticate({
      session: page.signedIn.session,
      ...proof,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      const { status, message } = page.failure(result);
      return renderConfirm(page, { error: message, status });
    }
    return page.redirect(nextOf(page), "confirmed");
  });

  // The fresh proof through a linked provider (ADR 0012), for an account with neither a password
  // nor 2FA: a trip to the provider, back at /account/confirm/provider, then on to `next`.
  const confirmNext = tripNext(options.cookies, home);
  // Its refusals (503, an expired form) link back to /account/confirm: a GET here is the way back.
  area.action(app, "/confirm/provider", { formOneLevelUp: true }, async (page) => {
    const started = await useCases.startProviderReauthentication({
      session: page.signedIn.session,
      provider: page.form("provider", 64),
    });
    if (!started.ok) {
      const { status, message } = page.failure(started);
      return renderConfirm(page, { error: message, status });
    }
    const refused = keepTrip(page, options.providerTrips, {
      started: started.value,
      returnTo: `${confirmPath}/provider`,
    });
    if (refused !== null) {
      const { status, message } = page.failure(refused);
      return renderConfirm(page, { error: message, status });
    }
    confirmNext.keep(page.reply, nextOf(page));
    return page.reply.redirect(started.value.authorizationURL, 303);
  });

  area.page(app, "/confirm/provider", {}, async (page) => {
    const next = confirmNext.take(page.request, page.reply);
    const failed = tripFailure(page.request.query);
    if (failed !== null) return renderConfirm(page, { error: failed.message, status: failed.status, next });
    // Only a proof made says so: opened without one (typed, bookmarked, the browser's history after
    // the proof went stale), this is the fresh-proof page itself, with nothing confirmed.
    if (!useCases.sessionHasFreshProof({ session: page.signedIn.session }))
      return renderConfirm(page, { next });
    return page.redirect(next, "confirmed");
  });

  const renderPassword = (
    page: PageContext,
    input: { error?: string; status?: number; code?: string } = {},
  ) =>
    page.render(
      "account/password",
      {
        title: "Password",
        section: "password",
        hasPassword: page.signedIn.user.passwordHash !== null,
        error: input.error ?? null,
        // Which field the error is about, for aria-invalid and aria-describedby: the current password
        // when it was wrong, else the new one.
        errorField:
          input.error === undefined ? null : input.code === "INVALID_CURRENT_PASSWORD" ? "current" : "new",
      },
      { status: input.status ?? 200 },
    );

  area.page(app, "/password", {}, async (page) => renderPassword(page));

  area.action(app, "/password", {}, async (page) => {
    const hadPassword = page.signedIn.user.passwordHash !== null;
    // A typo in a masked field would leave a password nobody can type, with the other sessions ended.
    if (page.form("new_password", 1024) !== page.form("confirm_password", 1024)) {
      return renderPassword(page, { error: "The two new passwords differ. Type them again.", status: 400 });
    }
    const result = await useCases.setPassword({
      session: page.signedIn.session,
      ...(hadPassword ? { currentPassword: page.form("current_password", 1024) } : {}),
      newPassword: page.form("new_password", 1024),
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst("/account/password");
      const { status, message } = page.failure(result);
      return renderPassword(page, { error: message, status, code: result.error });
    }
    return page.redirect("/account/password", hadPassword ? "password_changed" : "password_set");
  });

  accountTwoFactorPages(app, area, options);
  linkedProvidersPages(app, area, options);
  profilePages(app, area, useCases);
  accountActivityPages(app, area, useCases, { oidcIssuer: options.oidcIssuer });
  accountDeletionPages(app, kit, area, options);
}

/** `/account/two-factor`: status, setup (QR code, manual key, confirm), backup codes, disable. */
function accountTwoFactorPages(
  app: FastifyInstance,
  area: ReturnType<typeof createSignedInArea>,
  options: AccountPagesOptions,
): void {
  const { useCases } = options;
  const base = "/account/two-factor";
  /** The status page; a refusal in one of its forms (`in`) is shown in that form, on its field. */
  const renderStatus = async (
    page: PageContext,
    input: { error?: string; in?: "regenerate" | "disable"; status?: number } = {},
  ) => {
    const status = await useCases.getTwoFactorStatus({ userId: page.signedIn.user.id });
    return page.render(
      "account/two-factor",
      {
        title: "Two-step verification",
        section: "two-factor",
        enabled: status.ok && status.value.enabled,
        // Off on an unverified address: the page asks for the address's proof before offering setup.
        emailVerified: page.signedIn.user.emailVerified,
        backupCodesRemaining: status.ok ? status.value.backupCodesRemaining : 0,
        error: input.in === undefined ? (input.error ?? null) : null,
        formError: input.in === undefined ? null : { form: input.in, message: input.error ?? "" },
      },
      { status: input.status ?? 200 },
    );
  };
  // `renewed`: new codes for an account that had some, which stopped working as these were made.
  const renderBackupCodes = (page: PageContext, codes: readonly string[], renewed: boolean) =>
    page.render("account/backup-codes", {
      title: renewed ? "Your new backup codes" : "Your backup codes",
      section: "two-factor",
      codes,
      renewed,
      download: `data:text/plain;charset=utf-8,${encodeURIComponent(
        backupCodesFile({
          service: (options.theme ?? defaultTheme).name,
          email: page.signedIn.user.email,
          madeAt: options.clock.now(),
          codes,
        }),
      )}`,
    });
  const renderConfirmSetup = (
    page: PageContext,
    input: {
      setup: { secret: string; qrCode: string } | null;
      /** Whether the key is the one already waiting ("resumed") or a new one asked for ("renewed"). */
      keyNote?: "resumed" | "renewed" | null;
      error?: string;
      status?: number;
    },
  ) =>
    page.render(
      "account/two-factor-setup",
      {
        title: "Set up two-step verification",
        section: "two-factor",
        setup: input.setup,
        keyNote: input.keyNote ?? null,
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );

  /** The session, the form's TOTP code (spaces dropped) and the client: what the code-proved changes take. */
  const withCode = (page: PageContext) => ({
    session: page.signedIn.session,
    code: page.form("code", 64).replaceAll(" ", ""),
    client: clientOf(page.request),
  });

  area.page(app, "/two-factor", {}, async (page) => renderStatus(page));

  area.action(app, "/two-factor/setup", {}, async (page) => {
    // Pressing "Set up" again shows the key waiting for its first code (it may be in the app
    // already); "Make a new key" asks for a new one.
    const renewed = page.form("new_key", 8) === "1";
    const result = await useCases.setUpTwoFactor({ session: page.signedIn.session, keepPending: !renewed });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return renderStatus(page, { error: message, status });
    }
    // Shown in this POST's answer only (no-store): never in a URL or a cookie.
    return renderConfirmSetup(page, {
      setup: { secret: result.value.secret, qrCode: result.value.qrCode },
      keyNote: result.value.resumed === true ? "resumed" : renewed ? "renewed" : null,
    });
  });

  area.action(app, "/two-factor/enable", {}, async (page) => {
    const result = await useCases.enableTwoFactor(withCode(page));
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      if (result.error === "INVALID_TWO_FACTOR_CODE" || result.error === "VALIDATION_ERROR") {
        // The pending key stays: the person tries again (or types the code left out), its key and
        // QR code shown again to check.
        const setup = await useCases.findPendingTwoFactorSetup({ session: page.signedIn.session });
        return renderConfirmSetup(page, { setup, error: message, status });
      }
      if (result.error === "TWO_FACTOR_ALREADY_ENABLED") {
        // The form sent again (a reload, a second tap, the first answer lost): the backup codes
        // were in that first answer only. Say where new ones are made rather than only "already on".
        return renderStatus(page, {
          error: `${message}. If you did not see your backup codes, make new ones below: the ones shown before stop working.`,
          status,
        });
      }
      return renderStatus(page, { error: message, status });
    }
    return renderBackupCodes(page, result.value.backupCodes, false);
  });

  area.action(app, "/two-factor/backup-codes", {}, async (page) => {
    const result = await useCases.regenerateBackupCodes(withCode(page));
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return renderStatus(page, { error: message, in: "regenerate", status });
    }
    return renderBackupCodes(page, result.value.backupCodes, true);
  });

  area.action(app, "/two-factor/disable", {}, async (page) => {
    const result = await useCases.disableTwoFactor({
      session: page.signedIn.session,
      ...secondFactorProof(page.form("code", 64)),
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return renderStatus(page, { error: message, in: "disable", status });
    }
    return page.redirect(base, "two_factor_disabled");
  });
}

/**
 * The downloadable backup codes: headed by the service, the account and the day they were made
 * (UTC), so a file found in a downloads folder months later says what it unlocks and whether it is
 * the latest.
 */
function backupCodesFile(input: {
  service: string;
  email: string;
  madeAt: Date;
  codes: readonly string[];
}): string {
  const day = input.madeAt.toISOString().slice(0, 10);
  return [
    `${input.service} backup codes for ${input.email}`,
    `Made ${day}. Each code works once. Codes made before these no longer work.`,
    "",
    ...input.codes,
    "",
  ].join("\n");
}
