import type { SignedIn, SignInOutcome } from "@superoauth/application";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { clientOf } from "../client.ts";
import type { PageKit } from "../pages/page-kit.ts";
import {
  type SignUpForm,
  secondFactorFormLimit,
  secondFactorOfForm,
  signInFormLimit,
  signInRefusal,
  signInSteps,
  signUpFormLimit,
  signUpSentNotice,
  stepRefusal,
} from "../pages/sign-in-steps.ts";
import { oneShotNotices, safeNext, withNext } from "../pages/signed-in-area.ts";
import type { AccountPagesOptions } from "./account-pages.ts";
import { accountNotices } from "./nav.ts";
import { tripNext } from "./trip-next.ts";

/** Where a social sign-in started at `/account/sign-in` comes back (allowed by adapter-http's `returnTargetPattern`). */
const socialReturnPath = "/account/sign-in/social";

/**
 * `/account/sign-in` (password, a provider, then the second factor), `/account/sign-up` and
 * `/account/sign-out`: no OIDC interaction involved. The steps are the interaction pages' own
 * (`signInSteps`); only where they lead differs.
 */
export function accountSignIn(
  app: FastifyInstance,
  kit: PageKit,
  options: AccountPagesOptions,
  where: { home: string; signInPath: string },
): void {
  const { browserSessions } = options;
  const { home, signInPath } = where;
  const signUpPath = "/account/sign-up";
  const steps = signInSteps(options);
  const pendingMFA = steps.pending;
  const socialNext = tripNext(options.cookies, home);
  // The account area's one-shot notices: "You are signed out." after a sign-out.
  const notices = oneShotNotices(options.cookies, accountNotices);
  const nextOf = (request: FastifyRequest) =>
    safeNext((request.query as Record<string, unknown>).next) ?? home;
  const paths = (next: string) => ({
    login: withNext(signInPath, next),
    twoFactor: withNext(`${signInPath}/two-factor`, next),
    startOver: withNext(signInPath, next),
    // Each provider's button adds `/<provider>`: the `next` goes with the start (a query after the id).
    social: `${signInPath}/social`,
    socialNext: next === home ? "" : `?${new URLSearchParams({ next })}`,
    signUp: withNext(signUpPath, next),
    continue: null,
    another: null,
    resend: "/resend-verification",
    forgot: "/forgot-password",
  });

  const renderSignIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { email?: string; error?: string | null; status?: number; code?: string; next?: string },
  ) =>
    kit.sendPage(reply, {
      status: input.status ?? 200,
      html: kit.views.page("sign-in", {
        title: "Sign in to your account",
        clientName: null,
        paths: paths(input.next ?? nextOf(request)),
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
        email: input.email ?? "",
        ...signInRefusal(input),
        providers: await steps.socialProviders(),
        continueAs: null,
        notice: notices.take(request, reply),
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
        ...pendingMFA.formFields(request),
        // Locked (423): the message names the reset that lifts the lock; the page links it.
        locked: input.status === 423,
      }),
    });

  const renderSignUp = (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { form?: SignUpForm; status?: number },
  ) =>
    kit.sendPage(reply, {
      status: input.status ?? 200,
      html: kit.views.page("sign-up", {
        title: "Create your account",
        clientName: null,
        paths: paths(nextOf(request)),
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
        ...(input.form ?? { values: { nickname: "", email: "" }, errors: {}, error: null }),
      }),
    });

  /** A completed sign-in becomes this browser's session (another account's session here ends). */
  async function finish(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn, next: string) {
    await browserSessions.endWith(request.raw, reply.raw, clientOf(request));
    browserSessions.start(reply.raw, signedIn);
    return reply.redirect(next, 303);
  }

  /** After a first factor: signed in, or on to the second-factor step with its token in a cookie. */
  async function continueSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { outcome: SignInOutcome; next: string; email?: string },
  ) {
    if (pendingMFA.keep(reply, input.outcome, input.email)) {
      return reply.redirect(withNext(`${signInPath}/two-factor`, input.next), 303);
    }
    return finish(request, reply, input.outcome as SignedIn, input.next);
  }

  kit.get(app, "/sign-in", async (request, reply) => {
    if ((await browserSessions.authenticate(request.raw)) !== null)
      return reply.redirect(nextOf(request), 303);
    return renderSignIn(request, reply, {});
  });

  kit.post(
    app,
    "/sign-in",
    "login",
    async (request, reply) => {
      const { email, answer } = await steps.password(request, reply);
      if (!answer.ok)
        return renderSignIn(request, reply, {
          email,
          error: answer.message,
          status: answer.status,
          code: answer.error,
        });
      return continueSignIn(request, reply, { outcome: answer.value, next: nextOf(request), email });
    },
    signInFormLimit,
  );

  kit.get(app, "/sign-in/two-factor", async (request, reply) => {
    if (pendingMFA.read(request) === null) return reply.redirect(withNext(signInPath, nextOf(request)), 303);
    return renderTwoFactor(request, reply, { error: null });
  });

  kit.post(
    app,
    "/sign-in/two-factor",
    "login",
    async (request, reply) => {
      const state = pendingMFA.submitted(request);
      // No step held, and a session: the step was finished (in another tab, say); on to where the
      // sign-in was going, whose page names the account.
      if (state === null && (await browserSessions.authenticate(request.raw)) !== null)
        return reply.redirect(nextOf(request), 303);
      if (state === null || state === "replaced" || state === "unmarked")
        return renderSignIn(request, reply, stepRefusal(state));
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
      // A backup code is spent now; a person using one has often lost their authenticator: say how on.
      if ("backupCode" in secondFactorOfForm(request.body)) {
        notices.keep(reply, "backup_code_signed_in");
      }
      return finish(request, reply, result.value, nextOf(request));
    },
    secondFactorFormLimit,
  );

  // Social sign-in: the interaction's step, coming back to /account/sign-in/social.
  kit.get(app, "/sign-in/social/:provider", async (request, reply) => {
    const to = await steps.startSocial(reply, {
      provider: (request.params as { provider: string }).provider,
      returnTo: socialReturnPath,
    });
    if (to === null) {
      return renderSignIn(request, reply, { error: "That sign-in provider is not available.", status: 404 });
    }
    socialNext.keep(reply, nextOf(request));
    return reply.redirect(to, 303);
  });

  kit.get(app, "/sign-in/social", async (request, reply) => {
    const next = socialNext.take(request, reply);
    const answer = await steps.finishSocial(request, reply);
    if (!answer.ok)
      return renderSignIn(request, reply, {
        error: answer.message,
        status: answer.status,
        code: answer.error,
        next,
      });
    return continueSignIn(request, reply, { outcome: answer.value, next });
  });

  const signedUp = signUpSentNotice(options.cookies);
  kit.get(app, "/sign-up", async (request, reply) => {
    if (signedUp.asked(request)) {
      // The account exists, but it may sign in only once its address is verified.
      return kit.sendPage(reply, {
        html: kit.views.page("notice", {
          title: "Check your email",
          message: signedUp.message(request),
          status: true,
          link: { href: withNext(signInPath, nextOf(request)), text: "Back to sign in" },
        }),
      });
    }
    if ((await browserSessions.authenticate(request.raw)) !== null)
      return reply.redirect(nextOf(request), 303);
    return renderSignUp(request, reply, {});
  });

  kit.post(
    app,
    "/sign-up",
    "register",
    async (request, reply) => {
      const { form, answer } = await steps.signUp(request, reply);
      if (!answer.ok) return renderSignUp(request, reply, { form, status: answer.status });
      if ("awaitingVerification" in answer.value) {
        signedUp.keep(reply, answer.value.user.email);
        return reply.redirect(
          `/account/sign-up?${new URLSearchParams({ sent: "1", next: nextOf(request) })}`,
          303,
        );
      }
      return finish(request, reply, answer.value, nextOf(request));
    },
    signUpFormLimit,
  );

  kit.post(app, "/sign-out", "general", async (request, reply) => {
    await browserSessions.endWith(request.raw, reply.raw, clientOf(request));
    notices.keep(reply, "signed_out");
    // A page for another account's mailed link sends itself as `next` (the signed-in gate's): the
    // sign-in, as the account the mail was about, leads back there.
    const next = safeNext((request.body as Record<string, unknown> | undefined)?.next);
    return reply.redirect(next === null ? signInPath : withNext(signInPath, next), 303);
  });
}
