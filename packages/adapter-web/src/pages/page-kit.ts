import formbody from "@fastify/formbody";
import {
  DeletedMeanwhileError,
  OverloadedError,
  StorageUnavailableError,
  unavailableRetryAfterSeconds,
} from "@superoauth/application";
import { durationInWords } from "@superoauth/domain";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loadPageAssets, type PageAssets } from "../assets.ts";
import type { CookieSettings } from "../cookies.ts";
import { type CSRFProtection, createCSRFProtection, csrfFieldName } from "../csrf.ts";
import type { RateLimitGroup, RateLimitRefusal } from "../rate-limit-config.ts";
import { type PageHeaderOptions, pageHeaders } from "../security-headers.ts";
import { defaultTheme, type Theme } from "../theme.ts";
import { createViews, type Views } from "../views.ts";
import { createSentForms, formIdFieldName } from "./sent-forms.ts";

/**
 * The mechanics every server-rendered area shares (the interaction pages, the account center, the
 * admin console): rendering in the themed layout with the strict CSP, the HTML error pages, the
 * CSRF-checked form POST and the form-field reader. One kit per area; areas built on the same
 * `secret` and `cookies` accept each other's CSRF tokens (one cookie, one key).
 */
export interface PageKitOptions {
  /** BRAND_NAME, BRAND_LOGO_URL, BRAND_COLOR; the default look when absent. */
  readonly theme?: Theme | undefined;
  readonly cookies: CookieSettings;
  /** A server secret (COOKIE_SECRET or one derived from JWT_SECRET) that keys the CSRF tokens. */
  readonly secret: string;
  /**
   * Every page of the area, its error pages too, keeps its opener (PageHeaderOptions.keepOpener):
   * the interaction pages, which an app may open in a popup.
   */
  readonly keepOpener?: boolean | undefined;
}

export type PageHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * A form POST whose form sits on the page one level up, though its own address serves a GET
     * too that is not the form (a provider's way back): where its refusals link back to.
     */
    formOneLevelUp?: boolean;
  }
}

export interface PageKit {
  readonly theme: Theme;
  readonly assets: PageAssets;
  readonly views: Views;
  readonly csrf: CSRFProtection;
  /** Sends a rendered page with the CSP and its companions (`formTargets`: the CSP's form-action; `keepOpener`: a popup flow's page). */
  sendPage(reply: FastifyReply, input: { status?: number; html: string } & PageHeaderOptions): FastifyReply;
  /**
   * An error page: the `notice` template with a title and a fixed message; with `signOut`, a button
   * signing that account out, for a page refused to a signed-in account.
   */
  sendError(
    reply: FastifyReply,
    input: {
      status: number;
      title: string;
      message: string;
      link?: { href: string; text: string };
      signOut?: { email: string };
    },
  ): FastifyReply;
  /** The 503 page of a storage outage or an overloaded service. */
  sendUnavailable(reply: FastifyReply, retryAfterSeconds?: number, message?: string): FastifyReply;
  /**
   * How a page route answers a rate-limit refusal (429 or 503 page); a refused sign-in step
   * (`group` login) also says a lock may follow and links the password reset, which lifts it.
   */
  limitReply(reply: FastifyReply, refusal: RateLimitRefusal, group?: RateLimitGroup): FastifyReply;
  /**
   * Prepares an encapsulated scope for pages: the form-body parser (16 KiB), the HTML error handler
   * (503 on a storage outage, 400/413 on a client mistake, a mute 500 otherwise) and, with
   * `notFound`, the 404 page for unknown paths under the scope's prefix.
   */
  install(app: FastifyInstance, input?: { notFound?: boolean }): Promise<void>;
  /** A page GET, in the `pages` rate-limit budget, with the HTML rate-limit refusal. */
  get(app: FastifyInstance, path: string, handler: PageHandler): void;
  /**
   * A form POST: refused with the 403 "form has expired" page unless its CSRF token matches, and
   * with the 409 "This form was sent already" when this browser sent the same rendering's form to
   * this address before and was answered with a page (sent-forms.ts).
   * `formOneLevelUp`: its form is on the page one level up, whatever its own address serves.
   * `limitOf`: the budget is chosen from the form once read (a sign-in sent empty, a request
   * form only shown filled in, draw from `pages`, not from `limit`).
   */
  post(
    app: FastifyInstance,
    path: string,
    limit: RateLimitGroup,
    handler: PageHandler,
    options?: { formOneLevelUp?: boolean; limitOf?: (body: unknown) => RateLimitGroup },
  ): void;
}

type FormBody = Record<string, unknown>;

/**
 * The refusal of a body a browser's form does not send (JSON, text, multipart, none declared) to a
 * page's form address: the API's UNSUPPORTED_MEDIA_TYPE, 415 (RFC 9110 §15.5.16; its status is the
 * API's table's, `pageFailures` holds it and a test compares them). Only what our forms send,
 * `application/x-www-form-urlencoded`, is read: a form address is not an API, and the CSRF check
 * was the only thing between a script's JSON and the form's handler.
 */
export const formBodyOnly = {
  code: "UNSUPPORTED_MEDIA_TYPE",
  status: 415,
  message: "This address takes an HTML form's body (application/x-www-form-urlencoded) only",
} as const;

/** A form field cut to at most `max` characters; "" when absent or not text. */
export function field(body: unknown, name: string, max: number): string {
  const value = typeof body === "object" && body !== null ? (body as FormBody)[name] : undefined;
  return typeof value === "string" ? value.slice(0, max) : "";
}

/** A repeated form field (checkboxes of one name): each value cut to `max`, at most `count` of them. */
export function fieldList(body: unknown, name: string, max: number, count: number): string[] {
  const value = typeof body === "object" && body !== null ? (body as FormBody)[name] : undefined;
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((item): item is string => typeof item === "string")
    .slice(0, count)
    .map((item) => item.slice(0, max));
}

/**
 * The sentence that gives a person the reference of a failure of ours (the request's id, which the
 * log line of the failure carries) to quote to the operator.
 */
export function failureReference(reference: string): string {
  return `If it happens again, give the service's operator this reference: ${reference}.`;
}

export function createPageKit(options: PageKitOptions): PageKit {
  const theme = options.theme ?? defaultTheme;
  const assets = loadPageAssets(theme);
  const views = createViews({ theme, assets });
  const csrf = createCSRFProtection({ secret: options.secret, cookies: options.cookies });
  const sentForms = createSentForms(options.cookies);
  const formIdOf = (request: FastifyRequest) => field(request.body, formIdFieldName, 64);

  const sendPage: PageKit["sendPage"] = (reply, input) => {
    const status = input.status ?? 200;
    // A form answered with a page: the browser remembers it, so the same form sent again from the
    // history (Reload on "Confirm Form Resubmission") does nothing a second time (sent-forms.ts).
    if (reply.request.method === "POST" && status < 300) sentForms.remember(reply, formIdOf(reply.request));
    return reply
      .code(status)
      .headers(pageHeaders({ keepOpener: options.keepOpener, ...input }))
      .type("text/html; charset=utf-8")
      .send(input.html);
  };

  const sendError: PageKit["sendError"] = (reply, input) =>
    sendPage(reply, {
      status: input.status,
      html: views.page("notice", {
        title: input.title,
        message: input.message,
        status: false,
        link: input.link ?? null,
        ...(input.signOut === undefined
          ? {}
          : { signOut: input.signOut, csrf: csrf.tokenFor(reply.request.raw, reply.raw) }),
      }),
    });

  // Every 503 says when to come back (ADR 0011), the pages' as the API's, and links the way back:
  // a form sent (a sign-in's code step, whose code and token a failed step leaves unused) is shown
  // again at its own address, a page is loaded again. Before, only the browser's Back button led on.
  const sendUnavailable = (
    reply: FastifyReply,
    retryAfterSeconds = unavailableRetryAfterSeconds,
    message?: string,
  ) => {
    const { request } = reply;
    const sent = request.method === "POST";
    // A form sent to an address of its own (`/account/two-factor/enable`) goes back to its page.
    const back = sent ? formPageOfRequest(request) : samePagePath(request.url);
    return sendError(reply.header("Retry-After", String(retryAfterSeconds)), {
      status: 503,
      title: "Try again shortly",
      message:
        message ??
        (sent
          ? "The service is busy right now. Go back to the form and send it again in a moment."
          : "The service is busy right now. Try again in a moment."),
      ...(back === null ? {} : { link: { href: back, text: sent ? "Back to the form" : "Try again" } }),
    });
  };

  const limitReply: PageKit["limitReply"] = (reply, refusal, group) => {
    if (refusal.code !== "RATE_LIMIT_EXCEEDED")
      return sendUnavailable(reply, refusal.retryAfterSeconds ?? unavailableRetryAfterSeconds);
    const wait = `Too many attempts from your network. Wait ${durationInWords(refusal.retryAfterSeconds ?? 60)}, then try again.`;
    return group === "login"
      ? sendError(reply, {
          status: 429,
          title: "Too many attempts",
          message: `${wait} After several wrong passwords or codes the account itself is locked for a while too; resetting the password lifts the lock.`,
          link: { href: "/forgot-password", text: "Reset your password" },
        })
      : sendError(reply, { status: 429, title: "Too many attempts", message: wait });
  };

  return {
    theme,
    assets,
    views,
    csrf,
    sendPage,
    sendError,
    sendUnavailable,
    limitReply,
    async install(app, input = {}) {
      // A form's body and nothing else: the JSON parser (and any other) the app's root has is not
      // this scope's, so any other body is refused before a route runs (formBodyOnly).
      app.removeAllContentTypeParsers();
      await app.register(formbody, { bodyLimit: 16 * 1024 });
      app.setErrorHandler((error: FastifyError, request, reply) => {
        if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
          request.log.info(
            { contentType: request.headers["content-type"] },
            "page form refused: not a form body",
          );
          reply.code(formBodyOnly.status).header("accept-post", "application/x-www-form-urlencoded");
          // A browser (it asks for HTML) gets a page, a program the API's envelope.
          if ((request.headers.accept ?? "").includes("text/html")) {
            // "Go back" with a link to the form's page, as the 503 page gives (a keyboard or a
            // screen reader finds no Back in the page otherwise).
            const back = formPageOfRequest(request);
            return sendError(reply, {
              status: formBodyOnly.status,
              title: "This form could not be read",
              message:
                "It did not come as a form from this site's page. Go back, reload the page and send it again.",
              ...(back === null ? {} : { link: { href: back, text: "Back to the form" } }),
            });
          }
          return reply.send({ success: false, error: formBodyOnly.code, message: formBodyOnly.message });
        }
        if (error instanceof StorageUnavailableError || error instanceof OverloadedError) {
          request.log.error({ code: error.code, message: error.message }, "hosted page unavailable");
          return error instanceof OverloadedError
            ? sendUnavailable(reply, error.retryAfterSeconds, error.publicMessage)
            : sendUnavailable(reply);
        }
        if (error instanceof DeletedMeanwhileError) {
          request.log.info({ err: error }, "deleted while a hosted page's request ran");
          return sendError(reply, {
            status: 404,
            title: "This is gone",
            message:
              "The account or app this step was for was deleted while it ran. Go back to the app and start again.",
          });
        }
        if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
          request.log.info({ code: error.code }, "client error on a hosted page");
          return sendError(reply, {
            status: error.statusCode === 413 ? 413 : 400,
            title: "Something is wrong with this request",
            message: "Go back, reload the page and try again.",
          });
        }
        // Our fault: logged whole, the page says nothing about it but the request's id, which the
        // person can quote and the log line carries (as the API's 5xx envelope gives requestId).
        request.log.error({ err: error }, "unhandled error on a hosted page");
        return sendError(reply, {
          status: 500,
          title: "Something went wrong",
          message: `We could not complete this step. Go back to the app and start again. ${failureReference(request.id)}`,
        });
      });
      if (input.notFound === true) {
        // The service's own 404 page (service-pages.ts), with its way on to the account: the
        // areas' had none, a dead end for a person who opened a form's address (a reload's
        // `/account/two-factor/enable` in a new tab) or mistyped one (an end-user walk).
        app.setNotFoundHandler((_request, reply) =>
          sendPage(reply, { status: 404, html: views.page("not-found", { title: "Page not found" }) }),
        );
      }
    },
    get(app, path, handler) {
      // Views draw from their own budget (RATE_LIMIT_PAGES_MAX); the forms' POSTs from theirs.
      app.get(path, { config: { limit: "pages", limitReply } }, handler);
    },
    post(app, path, limit, handler, postOptions = {}) {
      // A scope `install` did not prepare would read JSON bodies as forms (formBodyOnly).
      if (app.hasContentTypeParser("application/json")) {
        throw new Error(`the form ${path} must be registered in a scope prepared by the page kit's install`);
      }
      // In the words of the budget that ran out: a sign-in sent empty draws from the views' (limitOf).
      const reply429 = (reply: FastifyReply, refusal: RateLimitRefusal) =>
        limitReply(reply, refusal, refusal.budget ?? limit);
      const formOneLevelUp = postOptions.formOneLevelUp === true;
      const config = {
        limit,
        limitReply: reply429,
        formOneLevelUp,
        ...(postOptions.limitOf === undefined ? {} : { limitOf: postOptions.limitOf }),
      };
      app.post(path, { config }, async (request, reply) => {
        const route = request.routeOptions.url ?? path;
        // A form refused before its handler runs links back to the page it came from.
        const refuse = (input: { status: number; title: string; message: string; linkText: string }) => {
          const again = formPageOf(app, { route, url: request.url, oneLevelUp: formOneLevelUp });
          const { linkText, ...page } = input;
          return sendError(reply, {
            ...page,
            ...(again === null ? {} : { link: { href: again, text: linkText } }),
          });
        };
        if (!csrf.verify(request.raw, field(request.body, csrfFieldName, 256))) {
          // Said in the log: across instances a COOKIE_SECRET that differs looks exactly like this
          // (docs/operations.md, "settings that must match"), and nothing else would tell.
          request.log.warn(
            { route },
            "form refused: its CSRF token does not match (expired, or COOKIE_SECRET differs?)",
          );
          // Without the cookie at all, the page answered again would come back every time to a
          // browser that refuses cookies: the person is told what to change (an end-user walk).
          const cookieless = csrf.sentCookie(request.raw)
            ? ""
            : " If this page comes back every time, your browser is refusing cookies from this site: allow them, as signing in needs them.";
          return refuse({
            status: 403,
            title: "This form has expired",
            message: `For your security this form could not be sent. Open the page again and send it once more.${cookieless}`,
            linkText: "Open the form again",
          });
        }
        // The same form sent again from the history, its answer given already (sent-forms.ts).
        if (sentForms.wasSent(request, formIdOf(request))) {
          return refuse({
            status: 409,
            title: "This form was sent already",
            message:
              "This browser sent this form before, and it was done then, so nothing was done again. What its answer showed only once (a client secret, backup codes) is not shown again: if you did not keep it, make a new one.",
            linkText: "Open the page again",
          });
        }
        return handler(request, reply);
      });
    },
  };
}

/** A year: the assets' names change with their content, so a cached copy is never stale. */
const immutableCache = "public, max-age=31536000, immutable";

/**
 * Serves the pages' hashed stylesheets, script and icon under `/assets/` (mounted once by the composition root,
 * whichever page areas it mounts).
 */
export function createPageAssets(input: {
  theme?: Theme | undefined;
}): (app: FastifyInstance) => Promise<void> {
  const assets = loadPageAssets(input.theme ?? defaultTheme);
  return async (root) => {
    await root.register(async (app) => {
      for (const asset of [
        assets.css,
        assets.theme,
        assets.mailedLinkScript,
        assets.autoSubmitScript,
        assets.icon,
      ]) {
        app.get(asset.path, { config: { limit: "none" } }, async (_request, reply) =>
          reply.type(asset.contentType).header("x-content-type-options", "nosniff").send(asset.body),
        );
      }
      app.addHook("onSend", async (_request, reply, payload) => {
        // Runs after the root scope's no-store hook: hashed assets are the one thing worth caching.
        if (reply.statusCode === 200) {
          reply.header("cache-control", immutableCache);
          reply.removeHeader("pragma");
        }
        return payload;
      });
    });
  };
}

/**
 * The page a refused form came from, to link back to: the page at the address it was sent to when
 * one is served there (its query kept: a sign-in's `next`), else the page one level up (a form
 * posting to `/account/profile/email` sits on `/account/profile`); null when neither is a page.
 * `oneLevelUp`: the page one level up, with the query (`/account/confirm/provider?next=...` sits on
 * `/account/confirm?next=...`; its own address is the provider's way back, which would say the
 * proof was made). `route` is the route's full pattern (with its scope's prefix: `hasRoute` sees
 * the whole router), `url` the address as sent, segment for segment the same.
 */
function formPageOf(
  app: FastifyInstance,
  input: { route: string; url: string; oneLevelUp: boolean },
): string | null {
  const { route, url } = input;
  // Only a path of this site: never `//host/...`, which a browser reads as another site.
  if (!url.startsWith("/") || url.startsWith("//")) return null;
  if (!input.oneLevelUp && app.hasRoute({ method: "GET", url: route })) return url;
  const at = url.indexOf("?");
  const path = at === -1 ? url : url.slice(0, at);
  const query = input.oneLevelUp && at !== -1 ? url.slice(at) : "";
  const parentRoute = route.slice(0, route.lastIndexOf("/"));
  const parentPath = path.slice(0, path.lastIndexOf("/"));
  return parentRoute !== "" && app.hasRoute({ method: "GET", url: parentRoute })
    ? `${parentPath}${query}`
    : null;
}

/** The page the form a POST came from sits on (formPageOf), null when none is. */
export function formPageOfRequest(request: FastifyRequest): string | null {
  return formPageOf(request.server, {
    route: request.routeOptions.url ?? "",
    url: request.url,
    oneLevelUp: request.routeOptions.config.formOneLevelUp === true,
  });
}

/**
 * The address of the page a request was for, as a link on this origin: its path and query, with
 * one leading slash (two would make a link to another host).
 */
function samePagePath(url: string): string {
  return `/${url.replace(/^[/\\]+/, "")}`;
}
