import type { Authenticated, UseCases } from "@superoauth/application";
import { mayPerform, type StaffAction } from "@superoauth/domain";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HostedBrowserSessions } from "../browser-sessions.ts";
import {
  appendSetCookie,
  type CookieSettings,
  pageCookie,
  readCookie,
  serializeCookie,
  serializeExpiredCookie,
} from "../cookies.ts";
import type { RateLimitGroup } from "../rate-limit-config.ts";
import { formAccountCheck, formAccountOf, linkAccountCheck, unmarkedForm } from "./form-account.ts";
import type { PageKit } from "./page-kit.ts";
import { field, formPageOfRequest } from "./page-kit.ts";
import { failedStep } from "./sign-in-steps.ts";

/** One entry of an area's navigation (the `signed-in` layout lists them; the current one gets aria-current). */
export interface NavItem {
  /** What a page names as its `section` to be the current item. */
  readonly id: string;
  readonly label: string;
  readonly href: string;
  /** Shown only to roles the domain's table lets do this (its page answers 403 to the others). */
  readonly permission?: StaffAction;
}

export interface SignedInAreaOptions {
  readonly kit: PageKit;
  readonly browserSessions: HostedBrowserSessions;
  readonly cookies: CookieSettings;
  /** The area's navigation, in order. */
  readonly nav: readonly NavItem[];
  /** The one-shot notices a redirect may carry: a fixed key and its words (never user-supplied text). */
  readonly notices: Readonly<Record<string, string>>;
  /** Where a signed-out visitor is sent, with `?next=`; `/account/sign-in`. */
  readonly signInPath: string;
  /** The fresh-proof page, with `?next=`; `/account/confirm`. */
  readonly confirmPath: string;
  /**
   * Whether the signed-in person may be staff for a page's `permission` (the role, and 2FA under
   * STAFF_REQUIRE_2FA): the use case's.
   */
  readonly checkStaffAccess: UseCases["checkStaffAccess"];
}

/** What a signed-in page's handler works with. */
export interface PageContext {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** The browser session's user and session (pass `signedIn.session` to the use cases). */
  readonly signedIn: Authenticated;
  /**
   * A form field, cut to `max` characters ("" when absent). On a page the fresh-proof step came back
   * to, the fields of the form that needed it (`hasDraft`), so the page can show them again.
   */
  form(name: string, max: number): string;
  /** The posted form, or on a GET the draft kept by `confirmFirst` (for `fieldList`). */
  readonly body: unknown;
  /** This GET shows a form the fresh-proof step interrupted: `form` and `body` read what was typed. */
  readonly hasDraft: boolean;
  /**
   * Renders `template` in the signed-in layout: the nav with `section` current, the CSRF token
   * (`it.csrf`, for `include("csrf", it)`), the pending notice (`it.notice`) and `it.user`.
   */
  render(
    template: string,
    data: { title: string; section: string } & Record<string, unknown>,
    options?: {
      status?: number;
      /** The CSP's form-action when a form here is answered with a redirect elsewhere (to a provider). */
      formTargets?: readonly string[];
      /** Another area's nav, for a page of this one reached from it (the fresh proof, from the admin console). */
      nav?: readonly NavItem[];
    },
  ): FastifyReply;
  /** Post-redirect-get: a 303 to a local `path`, with a one-shot notice named by its key. */
  redirect(path: string, notice?: string): FastifyReply;
  /** A use case's failure as a page: its status and words (pageFailures), for `render`; a lockout's Retry-After is set. */
  failure(result: { error: string; message?: string | undefined; retryAfterSeconds?: number }): {
    status: number;
    message: string;
  };
  /**
   * REAUTH_REQUIRED: a 303 to the fresh-proof page, which comes back to `next` (this page's path
   * when absent). What was typed in the form (but passwords, codes and the CSRF token) is kept as
   * a draft for `next`, so the proof does not cost the person their input.
   */
  confirmFirst(next?: string): FastifyReply;
}

export type PageContextHandler = (context: PageContext) => Promise<unknown>;

export interface SignedInArea {
  /** A GET page for a signed-in user (else 303 to sign-in); with `permission`, a 403 page for roles without it. */
  page(
    app: FastifyInstance,
    path: string,
    options: { permission?: StaffAction },
    handler: PageContextHandler,
  ): void;
  /**
   * A CSRF-checked form POST for a signed-in user; the same gate. `limit` is the rate-limit budget
   * ("general"); `formOneLevelUp` and `limitOf` as PageKit.post's.
   */
  action(
    app: FastifyInstance,
    path: string,
    options: {
      permission?: StaffAction;
      limit?: RateLimitGroup;
      formOneLevelUp?: boolean;
      limitOf?: (body: unknown) => RateLimitGroup;
    },
    handler: PageContextHandler,
  ): void;
}

const maxNextLength = 512;

/**
 * The `next` a sign-in or fresh-proof page returns to: a path of this server only (one leading
 * slash, no scheme, no host, no backslash or control characters), else null. Browsers read
 * `/\evil.example` and `//evil.example` as another host, so both are refused.
 */
export function safeNext(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > maxNextLength) return null;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes("\\")) return null;
  try {
    const base = "http://local.invalid";
    const url = new URL(value, base);
    return url.origin === base ? value : null;
  } catch {
    return null;
  }
}

/** `path?next=<next>` */
export function withNext(path: string, next: string): string {
  return `${path}?${new URLSearchParams({ next })}`;
}

/**
 * One-shot notices: a redirect keeps a fixed key in a cookie (an unknown key throws), the next page
 * takes its words from `notices` and clears it; a key not in `notices` shows nothing, so no
 * user-supplied text reaches a page.
 */
export function oneShotNotices(cookies: CookieSettings, notices: Readonly<Record<string, string>>) {
  const noticeCookie = pageCookie(cookies, "superoauth_notice");
  return {
    keep(reply: FastifyReply, key: string): void {
      if (!Object.hasOwn(notices, key)) throw new Error(`unknown notice key ${key}`);
      appendSetCookie(reply.raw, serializeCookie(noticeCookie, key, 60));
    },
    /** The pending notice's words (the cookie cleared: it shows once), or null. */
    take(request: FastifyRequest, reply: FastifyReply): string | null {
      const key = readCookie(request.headers.cookie, noticeCookie);
      if (key === null) return null;
      appendSetCookie(reply.raw, serializeExpiredCookie(noticeCookie));
      return Object.hasOwn(notices, key) ? (notices[key] ?? null) : null;
    },
  };
}

/** Fields never kept in a draft: secrets the person types again (ADR 0012's proof is not carried either). */
const secretField = /password|code|secret|token|csrf/i;
/**
 * Fields the person did not type: every form's own (which account it is for, which rendering), and
 * the hidden field of a button that names what it acts on (the provider of "Unlink GitHub"). No
 * draft of them: a form with nothing else is pressed again, and is not said to be "below".
 */
const untypedFields: ReadonlySet<string> = new Set(["account", "form_id", "provider"]);
/**
 * Fields whose names match `secretField` but hold no secret: an app's choice of how it sends its
 * secret, and of how its ID tokens are signed.
 */
const notSecretFields: ReadonlySet<string> = new Set(["token_endpoint_auth_method", "id_token_signing_alg"]);
/** What a page restoring a draft says: the change the proof interrupted is not made yet. */
const draftNotice = "Thanks. What you typed is below and not saved yet: check it, then send it again.";

/** A draft is kept while the proof is given; past it, the form starts empty again. */
const draftLifetimeSeconds = 600;
/** Larger drafts (long lists of redirect URIs) are not kept: a cookie holds about 4 KB. */
const maxDraftLength = 3_000;

/**
 * Drafts of forms the fresh-proof step interrupted: `keep` stores the posted fields (no secrets) in a
 * cookie for the page the proof returns to and the session that typed them; `take` hands them to
 * that page once (the cookie cleared), and to no other page or session.
 */
export function formDrafts(cookies: CookieSettings) {
  const draftCookie = pageCookie(cookies, "superoauth_draft");
  type Draft = { path: string; session: string; fields: Record<string, string | string[]> };
  return {
    keep(reply: FastifyReply, input: { path: string; session: string; body: unknown }): void {
      if (typeof input.body !== "object" || input.body === null) return;
      const fields: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(input.body)) {
        if ((secretField.test(name) && !notSecretFields.has(name)) || untypedFields.has(name)) continue;
        if (typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string")))
          fields[name] = value;
      }
      if (Object.keys(fields).length === 0) return;
      const draft: Draft = { path: input.path, session: input.session, fields };
      const value = Buffer.from(JSON.stringify(draft)).toString("base64url");
      if (value.length > maxDraftLength) return;
      appendSetCookie(reply.raw, serializeCookie(draftCookie, value, draftLifetimeSeconds));
    },
    take(request: FastifyRequest, reply: FastifyReply, session: string): Draft["fields"] | null {
      const value = readCookie(request.headers.cookie, draftCookie);
      if (value === null) return null;
      const path = request.url.split("?")[0];
      let draft: Draft;
      try {
        draft = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Draft;
      } catch {
        appendSetCookie(reply.raw, serializeExpiredCookie(draftCookie));
        return null;
      }
      if (typeof draft !== "object" || draft === null || draft.path !== path) return null;
      appendSetCookie(reply.raw, serializeExpiredCookie(draftCookie));
      return draft.session === session && typeof draft.fields === "object" ? draft.fields : null;
    },
  };
}

export function createSignedInArea(options: SignedInAreaOptions): SignedInArea {
  const { kit, browserSessions } = options;
  const notices = oneShotNotices(options.cookies, options.notices);
  const drafts = formDrafts(options.cookies);

  const contextOf = (request: FastifyRequest, reply: FastifyReply, signedIn: Authenticated): PageContext => {
    const draft = request.method === "GET" ? drafts.take(request, reply, signedIn.session.id) : null;
    const body = draft ?? request.body;
    return {
      request,
      reply,
      signedIn,
      body,
      hasDraft: draft !== null,
      form: (name, max) => field(body, name, max),
      render(template, data, renderOptions = {}) {
        // Back from the fresh-proof step with a form's draft: say it is not saved yet (the proof's
        // own notice, "you can make the change now", is taken and replaced).
        const noticeOf = () => {
          const pending = notices.take(request, reply);
          return draft === null ? pending : draftNotice;
        };
        return kit.sendPage(reply, {
          status: renderOptions.status ?? 200,
          ...(renderOptions.formTargets === undefined ? {} : { formTargets: renderOptions.formTargets }),
          html: kit.views.page(template, {
            ...data,
            csrf: kit.csrf.tokenFor(request.raw, reply.raw),
            // Every form here names the account it was shown for (csrf.eta adds the field).
            account: formAccountOf(signedIn.user.id),
            notice: noticeOf(),
            nav: (renderOptions.nav ?? options.nav)
              .filter(
                (item) => item.permission === undefined || mayPerform(signedIn.user.role, item.permission),
              )
              .map((item) => ({ ...item, current: item.id === data.section })),
            user: { nickname: signedIn.user.nickname, email: signedIn.user.email },
          }),
        });
      },
      redirect(path, notice) {
        if (notice !== undefined) notices.keep(reply, notice);
        return reply.redirect(safeNext(path) ?? "/", 303);
      },
      failure: (result) => {
        if (result.error === "INSUFFICIENT_PERMISSIONS") logAccessRefused(request, signedIn);
        return failedStep(reply, result);
      },
      confirmFirst(next) {
        const back = safeNext(next) ?? safeNext(request.url) ?? "/";
        drafts.keep(reply, {
          path: back.split("?")[0] ?? back,
          session: signedIn.session.id,
          body: request.body,
        });
        return reply.redirect(withNext(options.confirmPath, back), 303);
      },
    };
  };

  /** A refusal for want of a role, attributed as the API's are (adapter-http's replies): ids only. */
  function logAccessRefused(request: FastifyRequest, signedIn: Authenticated): void {
    request.log.warn(
      { userId: signedIn.user.id, role: signedIn.user.role, url: request.url.split("?")[0] },
      "access refused",
    );
  }

  /**
   * A form not shown for the account signed in now, or from a page that says for none (loaded
   * before an update of the service): a 409 page, linking the form's page, which now is theirs.
   */
  function refuseOtherAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    signedIn: Authenticated,
    check: "other" | "missing",
  ) {
    const again = formPageOfRequest(request);
    const { email } = signedIn.user;
    return kit.sendError(reply, {
      status: 409,
      ...(check === "missing"
        ? { title: "This page has changed", message: `${unmarkedForm}, so nothing was done. Open it again.` }
        : {
            title: "This page was for another account",
            message: `This page opened before this browser signed in as ${email} (in another tab, say), so nothing was done. Open it again to continue as ${email}.`,
          }),
      ...(again === null ? {} : { link: { href: again, text: "Open the page again" } }),
    });
  }

  /**
   * A page opened from a link mailed about another account (its `account` mark: a notice's "Review
   * your sessions", "Download my data") in a browser signed in as this one. This account's page
   * would be taken for that one's: a person told of a new sign-in to their account, on a shared
   * computer or with two accounts, would sign out this account's sessions and think theirs safe.
   * So not the page but a 409 (as a form shown for another account gets) that names the account
   * held and signs it out, coming back to this page (`next`, through the sign-in) once the person
   * signed in as the mail's account.
   */
  function refuseOtherAccountsLink(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { signedIn: Authenticated; next: string },
  ) {
    return kit.sendPage(reply, {
      status: 409,
      html: kit.views.page("notice", {
        title: "This link is for another account",
        message:
          "This link came in a mail about an account this browser is not signed in as, so its page is not shown here.",
        status: false,
        link: null,
        elsewhere: { email: input.signedIn.user.email, next: input.next },
        csrf: kit.csrf.tokenFor(request.raw, reply.raw),
      }),
    });
  }

  /** The signed-in user, or null after answering: 303 to sign-in, or the 403 page. */
  async function gate(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { permission?: StaffAction | undefined; next: string },
  ): Promise<Authenticated | null> {
    // A session ended meanwhile loses its cookie here, before the way to sign in.
    const signedIn = await browserSessions.authenticate(request.raw, reply.raw);
    if (signedIn === null) {
      reply.redirect(withNext(options.signInPath, input.next), 303);
      return null;
    }
    if (input.permission === undefined) return signedIn;
    const access = await options.checkStaffAccess({ actor: signedIn, action: input.permission });
    if (access.ok) return signedIn;
    logAccessRefused(request, signedIn);
    // Signed in but kept out: the page offers signing out (another account may be let in).
    const signOut = { email: signedIn.user.email };
    kit.sendError(
      reply,
      access.error === "TWO_FACTOR_REQUIRED"
        ? {
            status: 403,
            title: "Turn on two-factor authentication",
            message: access.message ?? "Staff accounts need two-factor authentication.",
            link: { href: "/account/two-factor", text: "Set up two-factor authentication" },
            signOut,
          }
        : { status: 403, title: "Not allowed", message: "Your role does not allow this page.", signOut },
    );
    return null;
  }

  return {
    page(app, path, pageOptions, handler) {
      kit.get(app, path, async (request, reply) => {
        const next = safeNext(request.url) ?? options.nav[0]?.href ?? "/";
        // Signed out, `next` keeps a mailed link's mark: the check below waits for the sign-in.
        const signedIn = await gate(request, reply, { permission: pageOptions.permission, next });
        if (signedIn === null) return reply;
        if (linkAccountCheck(request.query, signedIn.user.id) === "other")
          return refuseOtherAccountsLink(request, reply, { signedIn, next });
        return handler(contextOf(request, reply, signedIn));
      });
    },
    action(app, path, actionOptions, handler) {
      kit.post(
        app,
        path,
        actionOptions.limit ?? "general",
        async (request, reply) => {
          // A form sent after the session ended: sign in, then back to the area's first page.
          const next = options.nav[0]?.href ?? "/";
          const signedIn = await gate(request, reply, { permission: actionOptions.permission, next });
          if (signedIn === null) return reply;
          // A form of a page shown for another account (this browser signed in as someone else in
          // another tab since it opened), or from before forms said: nothing is done for the
          // account held now, nor checked against it (a fresh proof would count toward its lock).
          const account = formAccountCheck(request.body, signedIn.user.id);
          if (account !== "same") return refuseOtherAccount(request, reply, signedIn, account);
          return handler(contextOf(request, reply, signedIn));
        },
        {
          formOneLevelUp: actionOptions.formOneLevelUp === true,
          ...(actionOptions.limitOf === undefined ? {} : { limitOf: actionOptions.limitOf }),
        },
      );
    },
  };
}
