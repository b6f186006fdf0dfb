import type { UseCases } from "@superoauth/application";
import { mailRepeatWindowMs, maxMailsPerAddress } from "@superoauth/domain";
import type { FastifyReply, FastifyRequest } from "fastify";
import { clientOf } from "../client.ts";
import type { RateLimitGroup } from "../rate-limit-config.ts";
import { field, type PageKit } from "./page-kit.ts";
import { failureOf } from "./sign-in-steps.ts";

/**
 * The forms that ask for an address and mail it a link: a new verification link, a password-reset
 * link. Their answer is the same whether or not the address has an account, so the form tells a
 * stranger nothing (the use cases say why).
 */
/**
 * What a person who got no mail can do: the answer is the same once the hour's allowance is spent
 * (nothing is mailed then), so the page says the allowance and that each link replaces the last;
 * and that asking again at once mails nothing (the link already sent stays the one that works).
 */
export const noMailYet = `Asking again within ${mailRepeatWindowMs / 1000} seconds sends nothing more: the first mail is still on its way. Only the newest link works, and at most ${maxMailsPerAddress} are sent an hour: if none arrives, look in your spam folder, then ask again after an hour.`;

export interface EmailRequest {
  readonly title: string;
  readonly lead: string;
  /** What the page says once the form is sent, whatever the address. */
  readonly sent: string;
  send(
    useCases: UseCases,
    input: { email: string; request: FastifyRequest },
  ): ReturnType<UseCases["resendVerification"]>;
}

export const resendVerificationRequest: EmailRequest = {
  title: "Resend the verification email",
  lead: "Enter the address you signed up with: if its account is not verified yet, we mail it a new link.",
  sent: `If that address has an account that is not verified yet, a new link is on its way. ${noMailYet}`,
  send: (useCases, { email, request }) => useCases.resendVerification({ email, client: clientOf(request) }),
};

export const passwordResetRequest: EmailRequest = {
  title: "Forgot your password?",
  lead: "Enter the address of your account: we mail you a link to choose a new password. It works for 1 hour, and changing the password signs you out everywhere.",
  sent: `If an account has this address, a link to choose a new password is on its way. It works for 1 hour. ${noMailYet}`,
  send: (useCases, { email, request }) => useCases.requestPasswordReset({ email, client: clientOf(request) }),
};

/** Where the form posts, and the way back it offers. */
export interface EmailRequestPlace {
  readonly action: string;
  readonly back: { readonly href: string; readonly text: string };
}

/**
 * Where a sent form's answer is shown: its own path, told it was sent. The POST answers 303 there
 * (Post/Redirect/Get), so a reload of "Check your email" shows it again instead of sending the
 * form again (which mailed a new link that replaced the one on its way, and spent one of the
 * hour's allowance), and Back returns to the form.
 */
export function emailRequestSentURL(place: EmailRequestPlace): string {
  return `${place.action}?sent=1`;
}

/** The GET of the form's path: the form, or the same notice for every address once sent (`?sent=1`). */
export function showEmailRequest(
  kit: PageKit,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { kind: EmailRequest; place: EmailRequestPlace },
): FastifyReply {
  if ((request.query as Record<string, unknown> | undefined)?.sent !== "1") {
    return sendEmailRequestForm(kit, request, reply, input);
  }
  return kit.sendPage(reply, {
    html: kit.views.page("notice", {
      title: "Check your email",
      message: input.kind.sent,
      status: true,
      link: input.place.back,
    }),
  });
}

/** The form (with `error`, the address typed and a status after a refused address). */
export function sendEmailRequestForm(
  kit: PageKit,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { kind: EmailRequest; place: EmailRequestPlace; error?: string; email?: string; status?: number },
): FastifyReply {
  return kit.sendPage(reply, {
    status: input.status ?? 200,
    html: kit.views.page("email-request", {
      title: input.kind.title,
      lead: input.kind.lead,
      action: input.place.action,
      back: input.place.back,
      csrf: kit.csrf.tokenFor(request.raw, reply.raw),
      error: input.error ?? null,
      // A refused address comes back in the field, to correct rather than type again (escaped).
      email: input.email ?? "",
    }),
  });
}

/**
 * Whether the form's POST only shows the form filled in: from a sign-in refusal's button (a lock,
 * an unverified address), with the address just typed there, sent in the body so it never rides
 * in a URL. Nothing is mailed.
 */
const onlyShowsForm = (body: unknown) => field(body, "prefill", 1) === "1";

/**
 * The form's POST options: only what mails draws from the `email` budget; showing the form filled
 * in draws from the page views' (`pages`, ADR 0069), as opening the form does.
 */
export const emailRequestLimit = {
  limitOf: (body: unknown): RateLimitGroup => (onlyShowsForm(body) ? "pages" : "email"),
};

/** Answers the form's POST: the form again for an address that is not one, else 303 to the same notice for all. */
export async function answerEmailRequest(
  kit: PageKit,
  useCases: UseCases,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { kind: EmailRequest; place: EmailRequestPlace },
): Promise<FastifyReply> {
  const email = field(request.body, "email", 254);
  if (onlyShowsForm(request.body)) return sendEmailRequestForm(kit, request, reply, { ...input, email });
  const result = await input.kind.send(useCases, { email, request });
  if (!result.ok) {
    return sendEmailRequestForm(kit, request, reply, {
      ...input,
      error: failureOf(result).message,
      email,
      status: 400,
    });
  }
  return reply.redirect(emailRequestSentURL(input.place), 303);
}
