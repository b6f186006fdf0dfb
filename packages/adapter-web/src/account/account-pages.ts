import type { SignedIn, UseCases } from "@superoauth/application";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HostedBrowserSessions } from "../browser-sessions.ts";
import { clientOf } from "../client.ts";
import type { CookieSettings } from "../cookies.ts";
import { createPageKit, type PageKit } from "../pages/page-kit.ts";
import { failureOf, secondFactorProof, signInSteps } from "../pages/sign-in-steps.ts";
import { createSignedInArea, type PageContext, safeNext, withNext } from "../pages/signed-in-area.ts";
import type { Theme } from "../theme.ts";
import { accountActivityPages } from "./activity-pages.ts";
import { accountDeletionPages } from "./delete-pages.ts";
import { accountNav, accountNotices } from "./nav.ts";

export interface AccountPagesOptions {
  readonly useCases: UseCases;
  /** The same browser session as the interaction pages (one browser, one signed-in account). */
  readonly browserSessions: HostedBrowserSessions;
  readonly theme?: Theme | undefined;
  readonly cookies: CookieSettings;
  /** The CSRF key (the interaction pages' secret: one token works on both). */
  readonly secret: string;
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
        accountSignIn(app, kit, options);
        accountPages(app, kit, options);
      },
      { prefix: home },
    );
  };
}

/** `/account/sign-in` (and its second-factor step) and `/account/sign-out`: no OIDC interaction involved. */
function accountSignIn(app: FastifyInstance, kit: PageKit, options: AccountPagesOptions): void {
  const { browserSessions } = options;
  const steps = signInSteps(options);
  const pendingMFA = steps.pending;
  const nextOf = (request: FastifyRequest) =>
    safeNext((request.query as Record<string, unknown>).next) ?? home;
  const paths = (next: string) => ({
    login: withNext(signInPath, next),
    twoFactor: withNext(`${signInPath}/two-factor`, next),
    startOver: withNext(signInPath, next),
    continue: null,
    another: null,
    resend: null,
    social: null,
    signUp: null,
  });

  const renderSignIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { email?: string; error?: string | null; status?: number },
  ) =>
    kit.sendPage(reply, {
      status: input.status ?? 200,
      html: kit.views.page("sign-in", {
        title: "Sign in to your account",
        clientName: null,
        paths: paths(nextOf(request)),
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
        email: input.email ?? "",
        error: input.error ?? null,
        providers: [],
        continueAs: null,
      }),
    });

  const renderTwoFactor = (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { error: string | null; status?: number },
  ) =>
    kit.sendPage(reply, {
      status: input.status ?? 200,
      html: kit.views.page("two-factor", {
        title: "Two-step verification",
        paths: paths(nextOf(request)),
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
        error: input.error,
      }),
    });

  /** A completed sign-in becomes this browser's session (another account's session here ends). */
  async function finish(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) {
    await browserSessions.endWith(request.raw, reply.raw, clientOf(request));
    browserSessions.start(reply.raw, signedIn);
    return reply.redirect(nextOf(request), 303);
  }

  kit.get(app, "/sign-in", async (request, reply) => {
    if ((await browserSessions.authenticate(request.raw)) !== null)
      return reply.redirect(nextOf(request), 303);
    return renderSignIn(request, reply, {});
  });

  kit.post(app, "/sign-in", "login", async (request, reply) => {
    const { email, answer } = await steps.password(request, reply);
    if (!answer.ok)
      return renderSignIn(request, reply, { email, error: answer.message, status: answer.status });
    if (pendingMFA.keep(reply, answer.value, "pwd")) {
      return reply.redirect(withNext(`${signInPath}/two-factor`, nextOf(request)), 303);
    }
    return finish(request, reply, answer.value as SignedIn);
  });

  kit.get(app, "/sign-in/two-factor", async (request, reply) => {
    if (pendingMFA.read(request) === null) return reply.redirect(withNext(signInPath, nextOf(request)), 303);
    return renderTwoFactor(request, reply, { error: null });
  });

  kit.post(app, "/sign-in/two-factor", "login", async (request, reply) => {
    const state = pendingMFA.read(request);
    if (state === null) {
      return renderSignIn(request, reply, {
        error: failureOf({ error: "INVALID_MFA_TOKEN" }).message,
        status: 401,
      });
    }
    const result = await steps.secondFactor(request, reply, state.mfaToken);
    if (!result.ok) {
      const { status, message } = result;
      if (result.error === "INVALID_MFA_TOKEN") {
        pendingMFA.clear(reply);
        return renderSignIn(request, reply, { error: message, status });
      }
      return renderTwoFactor(request, reply, { error: message, status });
    }
    pendingMFA.clear(reply);
    return finish(request, reply, result.value);
  });

  kit.post(app, "/sign-out", "general", async (request, reply) => {
    await browserSessions.endWith(request.raw, reply.raw, clientOf(request));
    return reply.redirect(signInPath, 303);
  });
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
  });

  area.page(app, "/", {}, async (page) =>
    page.render("account/overview", {
      title: "Your account",
      section: "overview",
      sections: accountNav.slice(1),
    }),
  );

  // The fresh proof (ADR 0012): the password, or a code for an account without one.
  const proofMethod = async (page: PageContext): Promise<"password" | "code" | "none"> => {
    if (page.signedIn.user.passwordHash !== null) return "password";
    const status = await useCases.getTwoFactorStatus({ userId: page.signedIn.user.id });
    return status.ok && status.value.enabled ? "code" : "none";
  };
  const nextOf = (page: PageContext) =>
    safeNext((page.request.query as Record<string, unknown>).next) ?? home;
  const renderConfirm = async (page: PageContext, input: { error?: string; status?: number } = {}) =>
    page.render(
      "account/confirm",
      {
        title: "Confirm it is you",
        section: "",
        method: await proofMethod(page),
        action: withNext(confirmPath, nextOf(page)),
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );

  area.page(app, "/confirm", {}, async (page) => renderConfirm(page));

  area.action(app, "/confirm", { limit: "login" }, async (page) => {
    const method = await proofMethod(page);
    const proof =
      method === "password"
        ? { password: page.form("password", 1024) }
        : secondFactorProof(page.form("code", 64));
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

  const renderPassword = (page: PageContext, input: { error?: string; status?: number } = {}) =>
    page.render(
      "account/password",
      {
        title: "Password",
        section: "password",
        hasPassword: page.signedIn.user.passwordHash !== null,
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );

  area.page(app, "/password", {}, async (page) => renderPassword(page));

  area.action(app, "/password", { limit: "login" }, async (page) => {
    const hadPassword = page.signedIn.user.passwordHash !== null;
    const result = await useCases.setPassword({
      session: page.signedIn.session,
      ...(hadPassword ? { currentPassword: page.form("current_password", 1024) } : {}),
      newPassword: page.form("new_password", 1024),
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst("/account/password");
      const { status, message } = page.failure(result);
      return renderPassword(page, { error: message, status });
    }
    return page.redirect("/account/password", hadPassword ? "password_changed" : "password_set");
  });

  accountTwoFactorPages(app, area, useCases);
  accountActivityPages(app, area, useCases);
  accountDeletionPages(app, kit, area, options);
}

/** `/account/two-factor`: status, setup (QR code, manual key, confirm), backup codes, disable. */
function accountTwoFactorPages(
  app: FastifyInstance,
  area: ReturnType<typeof createSignedInArea>,
  useCases: UseCases,
): void {
  const base = "/account/two-factor";
  const renderStatus = async (page: PageContext, input: { error?: string; status?: number } = {}) => {
    const status = await useCases.getTwoFactorStatus({ userId: page.signedIn.user.id });
    return page.render(
      "account/two-factor",
      {
        title: "Two-step verification",
        section: "two-factor",
        enabled: status.ok && status.value.enabled,
        backupCodesRemaining: status.ok ? status.value.backupCodesRemaining : 0,
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );
  };
  const renderBackupCodes = (page: PageContext, codes: readonly string[]) =>
    page.render("account/backup-codes", {
      title: "Your backup codes",
      section: "two-factor",
      codes,
      download: `data:text/plain;charset=utf-8,${encodeURIComponent(`${codes.join("\n")}\n`)}`,
    });
  const renderConfirmSetup = (
    page: PageContext,
    input: { setup: { secret: string; qrCode: string } | null; error?: string; status?: number },
  ) =>
    page.render(
      "account/two-factor-setup",
      {
        title: "Set up two-step verification",
        section: "two-factor",
        setup: input.setup,
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
    const result = await useCases.setUpTwoFactor({ session: page.signedIn.session });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return renderStatus(page, { error: message, status });
    }
    // Shown in this POST's answer only (no-store): never in a URL or a cookie.
    return renderConfirmSetup(page, { setup: { secret: result.value.secret, qrCode: result.value.qrCode } });
  });

  area.action(app, "/two-factor/enable", { limit: "login" }, async (page) => {
    const result = await useCases.enableTwoFactor(withCode(page));
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      if (result.error === "INVALID_TWO_FACTOR_CODE") {
        // The pending key stays: the person tries again with the app already set up.
        return renderConfirmSetup(page, { setup: null, error: message, status });
      }
      return renderStatus(page, { error: message, status });
    }
    return renderBackupCodes(page, result.value.backupCodes);
  });

  area.action(app, "/two-factor/backup-codes", { limit: "login" }, async (page) => {
    const result = await useCases.regenerateBackupCodes(withCode(page));
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return renderStatus(page, { error: message, status });
    }
    return renderBackupCodes(page, result.value.backupCodes);
  });

  area.action(app, "/two-factor/disable", { limit: "login" }, async (page) => {
    const result = await useCases.disableTwoFactor({
      session: page.signedIn.session,
      ...secondFactorProof(page.form("code", 64)),
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return renderStatus(page, { error: message, status });
    }
    return page.redirect(base, "two_factor_disabled");
  });
}
