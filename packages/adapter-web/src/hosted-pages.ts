import {
  type Authenticated,
  type Clock,
  type InteractionDetails,
  interactionPathOf,
  type SignedIn,
  type SignInOutcome,
  type UseCases,
} from "@superoauth/application";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HostedBrowserSessions } from "./browser-sessions.ts";
import { clientOf } from "./client.ts";
import type { Interactions } from "./contracts.ts";
import type { CookieSettings } from "./cookies.ts";
import {
  answerEmailRequest,
  type EmailRequestPlace,
  emailRequestLimit,
  passwordResetRequest,
  resendVerificationRequest,
  showEmailRequest,
} from "./pages/email-requests.ts";
import { formAccountCheck, formAccountOf, unmarkedForm } from "./pages/form-account.ts";
import { createPageKit, field, type PageHandler } from "./pages/page-kit.ts";
import {
  type SignUpForm,
  secondFactorFormLimit,
  signInFormLimit,
  signInRefusal,
  signInSteps,
  signUpFormLimit,
  signUpSentNotice,
  stepRefusal,
} from "./pages/sign-in-steps.ts";
import type { RateLimitGroup } from "./rate-limit-config.ts";
import { describeScope } from "./scopes.ts";
import { interactionFormTargets, interactionFormTargetsFor } from "./security-headers.ts";
import type { Theme } from "./theme.ts";

export interface HostedPagesOptions {
  readonly useCases: UseCases;
  /** The provider's side of each interaction (adapter-oidc's `interactions`). */
  readonly interactions: Interactions;
  readonly browserSessions: HostedBrowserSessions;
  /** BRAND_NAME, BRAND_LOGO_URL, BRAND_COLOR; the default look when absent. */
  readonly theme?: Theme;
  /** The same cookie settings as the sign-in and device cookies. */
  readonly cookies: CookieSettings;
  /** A server secret (COOKIE_SECRET or one derived from JWT_SECRET) that keys the CSRF tokens. */
  readonly secret: string;
  /** REQUIRE_EMAIL_VERIFICATION: sign-up ends with "check your mail" instead of signing in. */
  readonly requireEmailVerification: boolean;
  /**
   * The use cases' clock, which dates sessions: how old a browser session's sign-in is against an
   * app's `max_age`. In the service, the system clock, which the provider reads too.
   */
  readonly clock: Clock;
}

/**
 * The hosted pages (sign in, the second factor, sign up, consent, resend verification) as a plugin
 * for `buildHttpApp({ plugins })`. Everything lives in its own encapsulated scope: the form-body
 * parser (the provider's endpoints keep their raw bodies), the HTML error and not-found pages, the
 * long cache of the hashed assets.
 */
export function createHostedPages(options: HostedPagesOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await app.register(async (scope) => {
      await hostedPages(scope, options);
    });
  };
}

async function hostedPages(app: FastifyInstance, options: HostedPagesOptions): Promise<void> {
  const { useCases, interactions, browserSessions } = options;
  // An app may run its authorization in a popup: every interaction page, its error pages too, keeps
  // the popup's opener, or the app's callback could never tell the app's window (security-headers.ts).
  const kit = createPageKit({ ...options, keepOpener: true });
  const { views, csrf, sendPage, sendError } = kit;
  const steps = signInSteps(options);
  const pendingMFA = steps.pending;

  // The interaction pages in their own scope, for a not-found page of their own.
  await app.register(
    async (app) => {
      await kit.install(app, { notFound: true });
      // Also what Back from the app shows after Allow (the consent page's address, its sign-in
      // finished): "expired" alone told a person whose sign-in had just worked that it failed. The
      // same words as the provider's refusal to resume a finished sign-in (provider-pages.ts).
      const expired = (reply: FastifyReply) =>
        sendError(reply, {
          status: 400,
          title: "This sign-in has ended",
          message:
            "This sign-in is already finished, or it has expired. Go back to the app you came from: if it did not sign you in, start again there.",
        });

      /** The interaction this browser is in, if it is the one in the URL and asks for `prompt`. */
      async function interactionOf<P extends InteractionDetails["prompt"]>(
        request: FastifyRequest,
        reply: FastifyReply,
        prompt: P | null,
      ): Promise<Extract<InteractionDetails, { prompt: P }> | null> {
        const { uid } = request.params as { uid: string };
        const details = await interactions.details(request.raw, reply.raw);
        if (details === null || details.uid !== uid) return null;
        if (prompt !== null && details.prompt !== prompt) return null;
        return details as Extract<InteractionDetails, { prompt: P }>;
      }

      const post = (
        path: string,
        limit: RateLimitGroup,
        handler: PageHandler,
        postOptions?: Parameters<typeof kit.post>[4],
      ) => kit.post(app, path, limit, handler, postOptions);
      const get = (path: string, handler: PageHandler) => kit.get(app, path, handler);

      async function renderSignIn(
        request: FastifyRequest,
        reply: FastifyReply,
        input: {
          details: Extract<InteractionDetails, { prompt: "login" }>;
          email?: string;
          error?: string | null;
          status?: number;
          /** The use case's error code, when the page shows its failure. */
          code?: string;
          offerSession?: boolean;
        },
      ) {
        const found = await browserSessions.authenticate(request.raw);
        const mayContinue = found !== null && mayContinueWith(found, input.details, options.clock.now());
        const session = input.offerSession !== false && mayContinue ? found : null;
        return sendPage(reply, {
          status: input.status ?? 200,
          formTargets: interactionFormTargetsFor(input.details.client),
          html: views.page("sign-in", {
            title: "Sign in",
            paths: interactionSignInPaths(input.details.uid),
            clientName: input.details.client.name,
            csrf: csrf.tokenFor(request.raw, reply.raw),
            email: input.email ?? input.details.loginHint ?? "",
            ...signInRefusal(input),
            providers: await steps.socialProviders(),
            // The account the button offers goes with its form: a sign-in in another tab since then
            // must not have the app signed in as someone the page did not name.
            continueAs:
              session === null
                ? null
                : {
                    nickname: session.user.nickname,
                    email: session.user.email,
                    account: formAccountOf(session.user.id),
                  },
            // The form while this browser is signed in ("Use another account", or a fresh sign-in the
            // app asked for): signing in here replaces that account in this browser; say so, and
            // offer the way back when continuing is allowed.
            switchingFrom:
              session !== null || found === null
                ? null
                : { email: found.user.email, nickname: found.user.nickname, mayContinue },
          }),
        });
      }

      /** A completed sign-in: it becomes this browser's session, and the provider learns who signed in. */
      async function finishSignIn(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) {
        // Another account's session in this browser ends: one browser, one signed-in account.
        await browserSessions.endWith(request.raw, reply.raw, clientOf(request));
        browserSessions.start(reply.raw, signedIn);
        // The app's ID token says how (amr): the methods the new session recorded.
        const to = await interactions.finishLogin(request.raw, reply.raw, {
          accountId: signedIn.user.id,
          amr: signedIn.authenticationMethods,
        });
        return reply.redirect(to, 303);
      }

      /** After a first factor: signed in, or on to the second-factor step with its token in a cookie. */
      async function continueSignIn(
        request: FastifyRequest,
        reply: FastifyReply,
        input: { uid: string; outcome: SignInOutcome; email?: string },
      ) {
        if (pendingMFA.keep(reply, input.outcome, input.email)) {
          return reply.redirect(`/interaction/${encodeURIComponent(input.uid)}/two-factor`, 303);
        }
        return finishSignIn(request, reply, input.outcome as SignedIn);
      }

      get("/:uid", async (request, reply) => {
        const details = await interactionOf(request, reply, null);
        if (details === null) return expired(reply);
        if (details.prompt === "login") {
          const another = (request.query as Record<string, unknown>).another !== undefined;
          return renderSignIn(request, reply, { details, offerSession: !another });
        }
        const session = await browserSessions.authenticate(request.raw);
        // Everything the app will be able to do after Allow; asked again (prompt=consent) with some
        // of it granted before, what was not is marked new.
        const marksNew = details.newScopes.length < details.scopes.length;
        return sendPage(reply, {
          formTargets: interactionFormTargetsFor(details.client),
          html: views.page("consent", {
            title: `Allow ${details.client.name}?`,
            uid: details.uid,
            csrf: csrf.tokenFor(request.raw, reply.raw),
            client: {
              name: details.client.name,
              logoURL: safeURL(details.client.logoURL),
              homepageURL: safeURL(details.client.homepageURL),
              native: details.client.native,
            },
            scopes: details.scopes.map((scope) => ({
              words: describeScope(scope),
              isNew: marksNew && details.newScopes.includes(scope),
            })),
            user:
              session === null || session.user.id !== details.accountId
                ? null
                : { email: session.user.email },
            selectAccountPath: `/interaction/${encodeURIComponent(details.uid)}/select-account`,
          }),
        });
      });

      // "Not you? Use another account" on the consent page (single sign-on brought the browser's
      // account there unasked): the provider's select_account, whose sign-in page opens on its form
      // (`?another=1`: interactionPathOf), with a link back to continuing as the account.
      post("/:uid/select-account", "general", async (request, reply) => {
        const details = await interactionOf(request, reply, "consent");
        if (details === null) return expired(reply);
        return reply.redirect(await interactions.selectAccount(request.raw, reply.raw), 303);
      });

      post(
        "/:uid/login",
        "login",
        async (request, reply) => {
          const details = await interactionOf(request, reply, "login");
          if (details === null) return expired(reply);
          const { email, answer } = await steps.password(request, reply);
          if (!answer.ok) {
            return renderSignIn(request, reply, {
              details,
              email,
              error: answer.message,
              status: answer.status,
              code: answer.error,
              offerSession: false,
            });
          }
          return continueSignIn(request, reply, { uid: details.uid, outcome: answer.value, email });
        },
        signInFormLimit,
      );

      const renderTwoFactor = (
        request: FastifyRequest,
        reply: FastifyReply,
        input: { uid: string; error: string | null; status?: number },
      ) =>
        sendPage(reply, {
          status: input.status ?? 200,
          formTargets: interactionFormTargets,
          html: views.page("two-factor", {
            title: "Two-step verification",
            paths: interactionSignInPaths(input.uid),
            csrf: csrf.tokenFor(request.raw, reply.raw),
            error: input.error,
            ...pendingMFA.formFields(request),
            // Locked (423): the message names the reset that lifts the lock; the page links it.
            locked: input.status === 423,
          }),
        });

      get("/:uid/two-factor", async (request, reply) => {
        const details = await interactionOf(request, reply, "login");
        if (details === null) return expired(reply);
        if (pendingMFA.read(request) === null)
          return reply.redirect(`/interaction/${encodeURIComponent(details.uid)}`, 303);
        return renderTwoFactor(request, reply, { uid: details.uid, error: null });
      });

      post(
        "/:uid/two-factor",
        "login",
        async (request, reply) => {
          const details = await interactionOf(request, reply, "login");
          if (details === null) return expired(reply);
          const state = pendingMFA.submitted(request);
          if (state === null || state === "replaced" || state === "unmarked") {
            // No step held, and a session: the step was finished (in another tab, say); the page
            // offers to continue as the account signed in now.
            const signedInNow = state === null && (await browserSessions.authenticate(request.raw)) !== null;
            return renderSignIn(request, reply, {
              details,
              ...stepRefusal(state, signedInNow),
              offerSession: signedInNow,
            });
          }
          const result = await steps.secondFactor(request, reply, state.mfaToken);
          if (!result.ok) {
            if (result.error === "INVALID_MFA_TOKEN") {
              pendingMFA.clear(reply);
              return renderSignIn(request, reply, {
                details,
                error: result.message,
                status: 401,
                offerSession: false,
              });
            }
            return renderTwoFactor(request, reply, {
              uid: details.uid,
              error: result.message,
              status: result.status,
            });
          }
          pendingMFA.clear(reply);
          return finishSignIn(request, reply, result.value);
        },
        secondFactorFormLimit,
      );

      post("/:uid/continue", "login", async (request, reply) => {
        const details = await interactionOf(request, reply, "login");
        if (details === null) return expired(reply);
        const session = await browserSessions.authenticate(request.raw);
        // No session, or one that may not stand in for this sign-in: the page shows the form.
        if (session === null || !mayContinueWith(session, details, options.clock.now()))
          return reply.redirect(`/interaction/${encodeURIComponent(details.uid)}`, 303);
        // The button named another account than the one this browser holds now (a sign-in in
        // another tab since the page opened): the choice is asked again, of the account held now.
        const account = formAccountCheck(request.body, session.user.id);
        if (account !== "same") {
          const why =
            account === "missing"
              ? unmarkedForm
              : `This browser signed in as ${session.user.email} after this page opened`;
          return renderSignIn(request, reply, {
            details,
            error: `${why}, so you were not signed in to ${details.client.name}. Choose again.`,
            status: 409,
          });
        }
        // Single sign-on: the person proved themselves when this browser session began (or last
        // re-authenticated), which is what the app's ID token says: when (auth_time) and how (amr,
        // left out for sessions from before the methods were recorded).
        const to = await interactions.finishLogin(request.raw, reply.raw, {
          accountId: session.user.id,
          amr: session.session.authenticationMethods,
          authenticatedAt: session.session.authenticatedAt,
        });
        return reply.redirect(to, 303);
      });

      const renderSignUp = (
        request: FastifyRequest,
        reply: FastifyReply,
        input: {
          details: InteractionDetails;
          status?: number;
          form?: SignUpForm;
        },
      ) =>
        sendPage(reply, {
          status: input.status ?? 200,
          formTargets: interactionFormTargetsFor(input.details.client),
          html: views.page("sign-up", {
            title: "Create your account",
            paths: interactionSignInPaths(input.details.uid),
            clientName: input.details.client.name,
            csrf: csrf.tokenFor(request.raw, reply.raw),
            ...(input.form ?? { values: { nickname: "", email: "" }, errors: {}, error: null }),
          }),
        });

      const signedUp = signUpSentNotice(options.cookies);
      get("/:uid/sign-up", async (request, reply) => {
        const details = await interactionOf(request, reply, "login");
        if (details === null) return expired(reply);
        if (signedUp.asked(request)) {
          // The account exists, but it may sign in only once its address is verified.
          return sendPage(reply, {
            html: views.page("notice", {
              title: "Check your email",
              message: signedUp.message(request),
              status: true,
              link: { href: `/interaction/${encodeURIComponent(details.uid)}`, text: "Back to sign in" },
            }),
          });
        }
        return renderSignUp(request, reply, { details });
      });

      post(
        "/:uid/sign-up",
        "register",
        async (request, reply) => {
          const details = await interactionOf(request, reply, "login");
          if (details === null) return expired(reply);
          const { form, answer } = await steps.signUp(request, reply);
          if (!answer.ok) return renderSignUp(request, reply, { details, form, status: answer.status });
          if ("awaitingVerification" in answer.value) {
            signedUp.keep(reply, answer.value.user.email);
            return reply.redirect(`/interaction/${encodeURIComponent(details.uid)}/sign-up?sent=1`, 303);
          }
          return finishSignIn(request, reply, answer.value);
        },
        signUpFormLimit,
      );

      // Resending the verification and "forgot password" from an app's sign-in: the same forms as
      // the account center's, whose way back is this sign-in, so the person returns to the app.
      for (const [path, kind] of [
        ["resend-verification", resendVerificationRequest],
        ["forgot-password", passwordResetRequest],
      ] as const) {
        const placeOf = (uid: string): EmailRequestPlace => ({
          action: `/interaction/${encodeURIComponent(uid)}/${path}`,
          back: { href: `/interaction/${encodeURIComponent(uid)}`, text: "Back to sign in" },
        });

        get(`/:uid/${path}`, async (request, reply) => {
          const details = await interactionOf(request, reply, "login");
          if (details === null) return expired(reply);
          return showEmailRequest(kit, request, reply, { kind, place: placeOf(details.uid) });
        });

        post(
          `/:uid/${path}`,
          "email",
          async (request, reply) => {
            const details = await interactionOf(request, reply, "login");
            if (details === null) return expired(reply);
            return answerEmailRequest(kit, useCases, request, reply, { kind, place: placeOf(details.uid) });
          },
          emailRequestLimit,
        );
      }

      post("/:uid/consent", "general", async (request, reply) => {
        const details = await interactionOf(request, reply, "consent");
        if (details === null) return expired(reply);
        const decision = field(request.body, "decision", 16);
        if (decision === "allow") {
          const remember = field(request.body, "remember", 16) === "yes";
          const client = clientOf(request);
          return reply.redirect(
            await interactions.finishConsent(request.raw, reply.raw, { remember, client }),
            303,
          );
        }
        if (decision === "deny") return reply.redirect(await interactions.deny(request.raw, reply.raw), 303);
        return sendError(reply, {
          status: 400,
          title: "Something is wrong with this request",
          message: "Choose Allow or Deny.",
        });
      });

      // Social sign-in from the hosted page: the API's trip to the provider comes back here
      // (`return_to`, restricted to this path by adapter-http) with a one-time login code, bound to
      // this browser by a PKCE verifier that only this page's cookie holds (ADR 0013, ADR 0022).
      get("/:uid/social/:provider", async (request, reply) => {
        const details = await interactionOf(request, reply, "login");
        if (details === null) return expired(reply);
        const to = await steps.startSocial(reply, {
          provider: (request.params as { provider: string }).provider,
          returnTo: `/interaction/${details.uid}/social`,
        });
        if (to === null) {
          return renderSignIn(request, reply, {
            details,
            error: "That sign-in provider is not available.",
            status: 404,
          });
        }
        return reply.redirect(to, 303);
      });

      get("/:uid/social", async (request, reply) => {
        const details = await interactionOf(request, reply, "login");
        if (details === null) return expired(reply);
        const answer = await steps.finishSocial(request, reply);
        if (!answer.ok) {
          return renderSignIn(request, reply, {
            details,
            error: answer.message,
            status: answer.status,
            code: answer.error,
            offerSession: false,
          });
        }
        return continueSignIn(request, reply, { uid: details.uid, outcome: answer.value });
      });
    },
    { prefix: "/interaction" },
  );
}

/**
 * Whether this browser's session may stand in for the sign-in an app asked for ("Continue as"):
 * not when the app asked for a fresh one (`prompt=login`) or named another account (`id_token_hint`), nor when the session's sign-in is older
 * than the app's `max_age` (OpenID Connect Core §3.1.2.1).
 */
function mayContinueWith(
  session: Authenticated,
  details: Extract<InteractionDetails, { prompt: "login" }>,
  now: Date,
): boolean {
  if (details.loginPrompted) return false;
  if (details.hintedAccountId !== null && details.hintedAccountId !== session.user.id) return false;
  if (details.maxAgeSeconds === null) return true;
  return now.getTime() - session.session.authenticatedAt.getTime() <= details.maxAgeSeconds * 1000;
}

/** Where the sign-in and second-factor templates' forms and links lead, for one interaction. */
function interactionSignInPaths(uid: string) {
  const base = interactionPathOf(uid);
  return {
    login: `${base}/login`,
    continue: `${base}/continue`,
    another: interactionPathOf(uid, { anotherAccount: true }),
    resend: `${base}/resend-verification`,
    forgot: `${base}/forgot-password`,
    social: `${base}/social`,
    signUp: `${base}/sign-up`,
    twoFactor: `${base}/two-factor`,
    startOver: base,
  };
}

/** An app's logo or homepage as a link target: https only (http for loopback development), else not shown. */
function safeURL(value: string | null): string | null {
  if (value === null) return null;
  try {
    const url = new URL(value);
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    return url.protocol === "https:" || (url.protocol === "http:" && loopback) ? url.toString() : null;
  } catch {
    return null;
  }
}
