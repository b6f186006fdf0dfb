import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { appendSetCookie, type CookieSettings, pageCookie, readCookie, serializeCookie } from "../cookies.ts";
import { formMark } from "./form-account.ts";

/** The hidden field naming one rendering of a page's forms (`templates/csrf.eta`). */
export const formIdFieldName = "form_id";

/** A new id for the forms of one rendered page: 128 random bits. */
export function newFormId(): string {
  return randomBytes(16).toString("base64url");
}

/** How many answered forms a browser remembers: the newest, enough for a tab's recent history. */
const rememberedForms = 10;
/** A day: a form is sent again from the history of a tab still open, not weeks later. */
const rememberedSeconds = 86_400;
const entryPattern = /^[A-Za-z0-9_-]{22}$/;

/**
 * Forms answered with a page of their own, remembered by the browser that sent them, so that the
 * same form sent again does nothing a second time. Such an answer (a client secret, backup codes,
 * the two-step set-up) is the one page Chromium keeps neither in its back/forward cache nor, sent
 * with no-store, in its HTTP cache: Back or Forward to it shows "Confirm Form Resubmission", and
 * Reload there sends the form again. Sent again, a registration registered a second app, a
 * rotation replaced the secret just copied, a renewal of backup codes checked its spent code again
 * and counted it as a wrong one. A form that was answered with a redirect (post-redirect-get)
 * leaves no such entry in the history.
 *
 * Every page's forms carry one random id (`form_id`, a new one each time the page is rendered);
 * the cookie keeps a mark of the id with the address it was sent to, for the newest ten answers.
 * It guards the person against their own history, not against an attacker, who gains nothing by
 * leaving the field out: a form without it is not checked, as before.
 */
export interface SentForms {
  /** Whether the form of this id, sent to this request's address, was answered with a page before. */
  wasSent(request: FastifyRequest, formId: string): boolean;
  /** Remembers that the form of this id, sent to this request's address, is being answered with a page. */
  remember(reply: FastifyReply, formId: string): void;
}

export function createSentForms(cookies: CookieSettings): SentForms {
  const cookie = pageCookie(cookies, "superoauth_sent");
  // A form without an id (a page from before the field) is neither checked nor remembered.
  const markOf = (request: FastifyRequest, formId: string): string | null =>
    formId === "" ? null : formMark("sent form", `${formId} ${request.url}`);
  const remembered = (request: FastifyRequest): string[] =>
    (readCookie(request.headers.cookie, cookie) ?? "").split(".").filter((entry) => entryPattern.test(entry));
  return {
    wasSent(request, formId) {
      const mark = markOf(request, formId);
      return mark !== null && remembered(request).includes(mark);
    },
    remember(reply, formId) {
      const { request } = reply;
      const mark = markOf(request, formId);
      if (mark === null) return;
      const kept = [...remembered(request).filter((entry) => entry !== mark), mark].slice(-rememberedForms);
      appendSetCookie(reply.raw, serializeCookie(cookie, kept.join("."), rememberedSeconds));
    },
  };
}
