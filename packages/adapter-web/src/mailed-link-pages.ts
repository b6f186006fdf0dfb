import type { UseCases } from "@superoauth/application";
import { type ErrorCode, ok, type Result, type UserId } from "@superoauth/domain";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HostedBrowserSessions } from "./browser-sessions.ts";
import { clientOf } from "./client.ts";
import type { CookieSettings } from "./cookies.ts";
import {
  answerEmailRequest,
  type EmailRequest,
  type EmailRequestPlace,
  emailRequestLimit,
  passwordResetRequest,
  resendVerificationRequest,
  showEmailRequest,
} from "./pages/email-requests.ts";
import { formAccountCheck, formAccountOf } from "./pages/form-account.ts";
import { createPageKit, field, type PageKit } from "./pages/page-kit.ts";
import { failureOf } from "./pages/sign-in-steps.ts";
import type { Theme } from "./theme.ts";

export interface MailedLinkPagesOptions {
  readonly useCases: UseCases;
  readonly theme?: Theme | undefined;
  readonly cookies: CookieSettings;
  /** The CSRF key (the other pages' secret: one token works on all). */
  readonly secret: string;
  /** The browser session, read only to say which account the browser is signed in as. */
  readonly browserSessions: Pick<HostedBrowserSessions, "authenticate">;
}

/** Where a person goes once a link has done its work. */
const signIn = { href: "/account/sign-in", text: "Sign in" };

/** The longest token a link carries (the API's bound on the same field). */
const maxTokenLength = 512;

/**
 * The token in what a person pasted: the whole link (`.../verify-email#token=...`), its
 * `token=...` part, or the token alone. "" when there is nothing.
 */
export function tokenFromLink(text: string): string {
  const trimmed = text.trim();
  const match = /(?:^|[#?&])token=([^&#\s]*)/.exec(trimmed);
  const token = match === null ? trimmed : (match[1] ?? "");
  let decoded = token;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    // Not percent-encoded after all: the token as pasted, which the use case then refuses.
  }
  return decoded.slice(0, maxTokenLength);
}

/** What every mailed link's page shows: where it is, its title, its lead, its button, a way on. */
interface LinkPage {
  readonly path: string;
  readonly title: string;
  readonly lead: string;
  readonly button: string;
  /** Where to ask for a new link when this one did not work (or what to do instead). */
  readonly more: { readonly href: string; readonly text: string };
  /** What a person signs in with once the link did its work ("the new password"). */
  readonly signInWith: string;
}

/** A page whose link does one thing when its button is pressed (verify, confirm). */
interface OneStepLink extends LinkPage {
  /**
   * The lead without JavaScript, in the order of the page: paste the link into the field below,
   * then press the button. `lead` (the button alone) is what the script shows once it has moved the
   * link into the form and hidden the field.
   */
  readonly pasteLead: string;
  /**
   * Uses the link; answers the title and words of the page then (the title says what happened, as
   * a password link's `doneTitle` does: the form's title and heading were kept above "Your email
   * address is verified"), and the account the link was for.
   */
  use(
    useCases: UseCases,
    input: { token: string; request: FastifyRequest },
  ): Promise<Result<{ title: string; message: string; accountId: UserId }, ErrorCode>>;
}

const verifyEmail: OneStepLink = {
  path: "/verify-email",
  title: "Verify your email address",
  lead: "Press the button to verify the address this link was sent to.",
  pasteLead:
    "Paste the link from the email into the field below, then press Verify my address to verify the address it was sent to.",
  button: "Verify my address",
  more: { href: "/resend-verification", text: "Need a new link? Ask for one" },
  signInWith: "the verified address",
  use: async (useCases, { token, request }) => {
    const verified = await useCases.verifyEmail({ token, client: clientOf(request) });
    if (!verified.ok) return verified;
    // A link followed again says so, rather than that it failed.
    return ok({
      title: verified.value.alreadyVerified ? "Address verified already" : "Address verified",
      message: verified.value.alreadyVerified
        ? "Your email address was already verified. You can sign in with it."
        : "Your email address is verified. You can sign in with it now.",
      accountId: verified.value.userId,
    });
  },
};

const confirmEmail: OneStepLink = {
  path: "/confirm-email",
  title: "Confirm your new email address",
  lead: "Press the button to make the address this link was sent to your account's address.",
  pasteLead:
    "Paste the link from the email into the field below, then press Use this address to make the address it was sent to your account's address.",
  button: "Use this address",
  more: { href: "/account/profile", text: "Need a new link? Ask again from your profile" },
  signInWith: "the new address",
  use: async (useCases, { token, request }) => {
    const confirmed = await useCases.confirmEmailChange({ token, client: clientOf(request) });
    if (!confirmed.ok) return confirmed;
    return ok({
      title: "New address confirmed",
      message: "Your account now uses this email address. Sign in with it from now on.",
      accountId: confirmed.value.id,
    });
  },
};

/**
 * The pages the account mails link to (`APP_URL/verify-email#token=...`, `/reset-password#token=`,
 * `/confirm-email#token=`, `/undo-email-change#token=`) and the forms that mail such links (`/forgot-password`,
 * `/resend-verification`), server-rendered like every other page. The token rides in the URL
 * fragment, which browsers never send: the pages' one script moves it into the form, and without
 * JavaScript the form asks for the link to be pasted; either way it is POSTed, never put in a URL
 * the server sees (ADR 0039). A plugin for `buildHttpApp({ plugins })`, in its own scope.
 */
export function createMailedLinkPages(
  options: MailedLinkPagesOptions,
): (app: FastifyInstance) => Promise<void> {
  return async (root) => {
    await root.register(async (app) => {
      const kit = createPageKit(options);
      await kit.install(app);
      for (const link of [verifyEmail, confirmEmail]) oneStepLinkPage(app, kit, options, link);
      for (const link of [resetPassword, undoEmailChange]) passwordLinkPage(app, kit, options, link);
      emailRequestPage(app, kit, options.useCases, {
        kind: passwordResetRequest,
        place: { action: "/forgot-password", back: { href: "/account/sign-in", text: "Back to sign in" } },
      });
      emailRequestPage(app, kit, options.useCases, {
        kind: resendVerificationRequest,
        place: {
          action: "/resend-verification",
          back: { href: "/account/sign-in", text: "Back to sign in" },
        },
      });
    });
  };
}

/**
 * What a link's page shows once the link did its work: a notice, then "Sign in"; or, when the
 * browser is signed in as another account than the link's (`elsewhere`, that account's address),
 * that it still is, and a button that signs it out. A mailed link is often opened in a browser
 * signed in as somebody else (a shared computer, a person with two accounts): the link is the proof
 * and does its work on its own account, and leaves the browser's session as it was; but "Sign in"
 * leads a signed-in browser on into the account it holds, which is not the one the page spoke of.
 */
function sendLinkDone(
  kit: PageKit,
  request: FastifyRequest,
  reply: FastifyReply,
  input: {
    link: LinkPage;
    title?: string;
    message: string;
    supportHelp?: string | null;
    elsewhere: string | null;
  },
) {
  return kit.sendPage(reply, {
    html: kit.views.page("notice", {
      title: input.title ?? input.link.title,
      message: input.message,
      status: true,
      supportHelp: input.supportHelp ?? null,
      link: signIn,
      elsewhere:
        input.elsewhere === null ? null : { email: input.elsewhere, signInWith: input.link.signInWith },
      csrf: kit.csrf.tokenFor(request.raw, reply.raw),
    }),
  });
}

function oneStepLinkPage(
  app: FastifyInstance,
  kit: PageKit,
  options: MailedLinkPagesOptions,
  link: OneStepLink,
): void {
  const { useCases, browserSessions } = options;
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { error: string | null; status: number },
  ) =>
    kit.sendPage(reply, {
      status: input.status,
      html: kit.views.page("mailed-link", {
        title: link.title,
        lead: link.lead,
        pasteLead: link.pasteLead,
        action: link.path,
        button: link.button,
        more: link.more,
        mailedLink: true,
        token: null,
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
        error: input.error,
      }),
    });

  kit.get(app, link.path, async (request, reply) => send(request, reply, { error: null, status: 200 }));

  kit.post(app, link.path, "general", async (request, reply) => {
    const token = tokenFromLink(field(request.body, "link", 2048));
    if (token === "") {
      return send(request, reply, { error: "Paste the link from the email first.", status: 400 });
    }
    const result = await link.use(useCases, { token, request });
    if (!result.ok) {
      const failure = failureOf(result);
      return send(request, reply, { error: failure.message, status: failure.status });
    }
    const held = await browserSessions.authenticate(request.raw);
    return sendLinkDone(kit, request, reply, {
      link,
      title: result.value.title,
      message: result.value.message,
      elsewhere: held !== null && held.user.id !== result.value.accountId ? held.user.email : null,
    });
  });
}

/** A page whose link sets a new password as it does its one thing (a reset, undoing a change of address). */
interface PasswordLink extends LinkPage {
  /** The page's title once it worked (else `title`, the form's). */
  readonly doneTitle?: string;
  /** What the page says once it worked. */
  readonly done: string;
  /** What leads to the support contact under `done` (its link, or the team that runs the brand). */
  readonly doneHelp?: string;
  /**
   * What follows `done`, and the support line, by the `outcome` the use answered (carried in the
   * done page's address: it only picks the words a reload shows again).
   */
  readonly doneByOutcome?: Readonly<Record<string, { readonly more: string; readonly help?: string }>>;
  /** A spent or expired link, where asking again is not how to go on: a notice, not the form again. */
  readonly spent?: { readonly message: string; readonly help: string };
  /** What leads to the support contact when the use answers USER_EXISTS (the form stays). */
  readonly takenHelp?: string;
  /**
   * Added to a spent link's refusal that keeps the form: the form sent again after its answer was
   * lost (a second tap, Back and send) finds the link spent by the first, which may have worked.
   */
  readonly spentRetry?: string;
  use(
    useCases: UseCases,
    input: { token: string; newPassword: string; request: FastifyRequest },
  ): Promise<Result<{ readonly outcome?: string }, ErrorCode>>;
}

const resetPassword: PasswordLink = {
  path: "/reset-password",
  title: "Choose a new password",
  lead: "Choose the new password of your account. Changing it signs you out everywhere.",
  button: "Change password",
  more: { href: "/forgot-password", text: "No link, or it has expired? Ask for a new one" },
  signInWith: "the new password",
  doneTitle: "Your password is changed",
  done: "Every session of the account is signed out. Sign in with the new password.",
  // A reset turns two-step verification off only for an address never verified (docs/account-security.md): say which
  // before the sign-in asks for a code, and where to go when the device and the backup codes are gone too.
  doneByOutcome: {
    on: {
      more: "Signing in still asks for a code from your authenticator app or a backup code: a new password does not turn two-step verification off.",
      help: "Lost your authenticator app and your backup codes too?",
    },
    turned_off: {
      more: "Two-step verification is now off: this address had never been verified, so whoever set it up may not have been you. We emailed you about it. Once signed in, you can turn it on again.",
    },
  },
  spentRetry:
    "If you pressed Change password before and the page did not load, it may have worked: try signing in with the new password.",
  use: async (useCases, { token, newPassword, request }) => {
    const reset = await useCases.resetPassword({ token, newPassword, client: clientOf(request) });
    return reset.ok ? ok({ outcome: reset.value.twoFactor }) : reset;
  },
};

/** What the undo's done page adds when it unlinked providers (a thief with a session could link their own). */
const undoneProviders =
  "Every sign-in provider linked to the account was unlinked: once signed in, link yours again.";

/** What the undo's done page adds when two-step verification is on, and whom to ask for a code they lack. */
const undoneTwoFactor = {
  more: "Signing in asks for a code from your authenticator app or a backup code: two-step verification stays as it was.",
  help: "If signing in asks for a two-factor code you do not have:",
};

const undoEmailChange: PasswordLink = {
  path: "/undo-email-change",
  title: "Undo the change of your email address",
  lead: "This gives your account back to the address this link was sent to. Choose a new password: whoever changed the address may know the old one. Every device is signed out.",
  button: "Undo the change",
  more: { href: "/account/sign-in", text: "Sign in instead" },
  signInWith: "the address and the new password",
  // Not the form's title again: read after it worked, "Undo the change..." asks for what is done.
  doneTitle: "The change of your email address is undone",
  done: "Your account is back on this email address, with the new password, and every session was signed out. Sign in with the address and the new password now.",
  // Only what holds for this account: providers unlinked only if it had some, a code asked only if
  // two-step verification is on (whoever changed the address may have turned it on).
  doneByOutcome: {
    unlinked: { more: undoneProviders },
    two_factor_on: undoneTwoFactor,
    unlinked_two_factor_on: { ...undoneTwoFactor, more: `${undoneProviders} ${undoneTwoFactor.more}` },
  },
  spent: {
    message:
      "This link does not work. If you used it already, your account is back on this address: sign in with the password you chose there. A link to undo a change is sent only once and works for 7 days.",
    help: "If you need help:",
  },
  takenHelp: "The change cannot be undone here:",
  use: async (useCases, { token, newPassword, request }) => {
    const undone = await useCases.undoEmailChange({ token, newPassword, client: clientOf(request) });
    if (!undone.ok) return undone;
    const { providersUnlinked, twoFactor } = undone.value;
    const outcome = [providersUnlinked ? "unlinked" : null, twoFactor === "on" ? "two_factor_on" : null]
      .filter((part) => part !== null)
      .join("_");
    return ok(outcome === "" ? {} : { outcome });
  },
};

function passwordLinkPage(
  app: FastifyInstance,
  kit: PageKit,
  options: MailedLinkPagesOptions,
  link: PasswordLink,
): void {
  const { useCases, browserSessions } = options;
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    input: {
      error: string | null;
      status: number;
      token: string | null;
      supportHelp?: string;
      /** The refusal is the new password's (they differ, or it is too weak): its fields are marked. */
      passwordError?: boolean;
    },
  ) =>
    kit.sendPage(reply, {
      status: input.status,
      html: kit.views.page("reset-password", {
        title: link.title,
        lead: link.lead,
        action: link.path,
        button: link.button,
        more: link.more,
        mailedLink: true,
        token: input.token,
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
        error: input.error,
        passwordError: input.passwordError === true,
        supportHelp: input.supportHelp ?? null,
      }),
    });

  // Where the POST's success leads (Post/Redirect/Get): a reload of "your password is changed"
  // shows it again rather than posting the new password with the spent link once more, which
  // answered that the link is invalid or already used.
  const donePath = `${link.path}?done=1`;
  kit.get(app, link.path, async (request, reply) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query?.done === "1") {
      // The account the POST found this browser signed in as (its mark, `account`), if it still is.
      const held = await browserSessions.authenticate(request.raw);
      // Only the table's own names: `constructor` or `toString` would find the prototype's, and its
      // missing `more` would read "undefined" on the page.
      const byOutcome = link.doneByOutcome;
      const outcome =
        typeof query.outcome === "string" &&
        byOutcome !== undefined &&
        Object.hasOwn(byOutcome, query.outcome)
          ? byOutcome[query.outcome]
          : undefined;
      return sendLinkDone(kit, request, reply, {
        link,
        title: link.doneTitle ?? link.title,
        message: outcome === undefined ? link.done : `${link.done} ${outcome.more}`,
        supportHelp: outcome?.help ?? link.doneHelp ?? null,
        elsewhere: held !== null && formAccountCheck(query, held.user.id) === "same" ? held.user.email : null,
      });
    }
    return send(request, reply, { error: null, status: 200, token: null });
  });

  kit.post(app, link.path, "general", async (request, reply) => {
    const token = tokenFromLink(field(request.body, "link", 2048));
    if (token === "") {
      return send(request, reply, {
        error: "Paste the link from the email first.",
        status: 400,
        token: null,
      });
    }
    const newPassword = field(request.body, "password", 1024);
    // The link is kept in the form (not in a URL) while the person fixes the password.
    if (newPassword !== field(request.body, "confirm", 1024)) {
      return send(request, reply, {
        error: "The two passwords differ. Type them again.",
        status: 400,
        token,
        passwordError: true,
      });
    }
    const result = await link.use(useCases, { token, newPassword, request });
    if (!result.ok) {
      const failure = failureOf(result);
      if (result.error === "INVALID_RESET_TOKEN" && link.spent !== undefined) {
        return kit.sendPage(reply, {
          status: failure.status,
          html: kit.views.page("notice", {
            title: link.title,
            message: link.spent.message,
            status: false,
            supportHelp: link.spent.help,
            link: signIn,
          }),
        });
      }
      // A weak password, or an address taken meanwhile (an undo): the link still works. A spent or
      // expired link: it is asked for again.
      const keep = result.error === "VALIDATION_ERROR" || result.error === "USER_EXISTS" ? token : null;
      const retry =
        result.error === "INVALID_RESET_TOKEN" && link.spentRetry !== undefined ? ` ${link.spentRetry}` : "";
      return send(request, reply, {
        error: `${failure.message}${retry === "" ? "" : "."}${retry}`,
        status: failure.status,
        token: keep,
        passwordError: result.error === "VALIDATION_ERROR",
        ...(result.error === "USER_EXISTS" && link.takenHelp !== undefined
          ? { supportHelp: link.takenHelp }
          : {}),
      });
    }
    // The link signed its own account out everywhere: a session this browser still holds is another
    // account's. The page it leads to names that account while the browser holds it (its mark, not
    // its id, in the address).
    const held = await browserSessions.authenticate(request.raw);
    const { outcome } = result.value;
    const query = new URLSearchParams({
      ...(outcome === undefined ? {} : { outcome }),
      ...(held === null ? {} : { account: formAccountOf(held.user.id) }),
    }).toString();
    return reply.redirect(query === "" ? donePath : `${donePath}&${query}`, 303);
  });
}

function emailRequestPage(
  app: FastifyInstance,
  kit: PageKit,
  useCases: UseCases,
  input: { kind: EmailRequest; place: EmailRequestPlace },
): void {
  kit.get(app, input.place.action, async (request, reply) => showEmailRequest(kit, request, reply, input));
  kit.post(
    app,
    input.place.action,
    "email",
    async (request, reply) => answerEmailRequest(kit, useCases, request, reply, input),
    emailRequestLimit,
  );
}
