import type { SignedIn, SignInOutcome, UseCases } from "@superoauth/application";
import type { FastifyReply, FastifyRequest } from "fastify";
import { signInClients } from "../client.ts";
import {
  appendSetCookie,
  type CookieSettings,
  type PageCookie,
  pageCookie,
  readCookie,
  serializeCookie,
  serializeExpiredCookie,
} from "../cookies.ts";
import { field } from "./page-kit.ts";

/** How a sign-in, sign-up or account failure shows: the API's status, and words when the use case gave none. */
export const pageFailures: Readonly<Record<string, { status: number; message: string }>> = {
  INVALID_CREDENTIALS: { status: 401, message: "Invalid email or password" },
  INVALID_TWO_FACTOR_CODE: { status: 401, message: "The code is wrong, expired or already used" },
  INVALID_MFA_TOKEN: { status: 401, message: "This sign-in took too long. Sign in again." },
  ACCOUNT_DISABLED: { status: 403, message: "This account has been disabled" },
  EMAIL_NOT_VERIFIED: { status: 403, message: "Verify your email address before signing in" },
  ACCOUNT_LOCKED: {
    status: 423,
    message: "Too many failed sign-in attempts; wait for the lock to end or reset your password",
  },
  VALIDATION_ERROR: { status: 400, message: "Check the form and try again" },
  USER_EXISTS: { status: 409, message: "An account with this email already exists" },
  INVALID_LOGIN_CODE: { status: 400, message: "This sign-in link has expired. Start again." },
  INVALID_CURRENT_PASSWORD: { status: 401, message: "The current password is incorrect" },
  TWO_FACTOR_NOT_ENABLED: { status: 400, message: "Two-step verification is not on for this account" },
  TWO_FACTOR_ALREADY_ENABLED: { status: 409, message: "Two-step verification is already on" },
  TWO_FACTOR_SETUP_REQUIRED: { status: 400, message: "Start the setup again: the key has expired" },
  USER_NOT_FOUND: { status: 404, message: "This account no longer exists" },
  INSUFFICIENT_PERMISSIONS: { status: 403, message: "Your role does not allow this" },
  SESSION_NOT_FOUND: { status: 404, message: "That session is already signed out" },
  APP_NOT_FOUND: { status: 404, message: "There is no such app of yours" },
  EXPORT_NOT_FOUND: { status: 404, message: "There is no such data export of yours" },
  EXPORT_NOT_READY: { status: 409, message: "The data export is not ready to download yet" },
  EXPORT_EXPIRED: { status: 410, message: "The data export has expired. Request a new one." },
  LAST_ADMIN: { status: 409, message: "This is the last active admin: make another admin first" },
};

/**
 * The status and message a failed step shows: the use case's own message when it gave one (they
 * are written for people, e.g. the password rules), else the table's words.
 */
export function failureOf(failure: { error: string; message?: string | undefined }): {
  status: number;
  message: string;
} {
  const known = pageFailures[failure.error] ?? { status: 400, message: "That did not work. Try again." };
  return { status: known.status, message: failure.message ?? known.message };
}

/** Six digits (spaces allowed) is a TOTP code; anything else a backup code, as the API's landing page reads it. */
export function secondFactorProof(value: string): { code: string } | { backupCode: string } {
  const trimmed = value.trim();
  return /^[0-9 ]+$/.test(trimmed) ? { code: trimmed.replaceAll(" ", "") } : { backupCode: trimmed };
}

export type FirstFactor = "pwd" | "fed";

/**
 * The second factor's token between the two sign-in steps, kept out of the page (HttpOnly) for its
 * few minutes, with the first factor's method (for the `amr` claim).
 */
export interface PendingSecondFactor {
  /** Keeps a sign-in that needs its second factor; false when the sign-in is complete. */
  keep(reply: FastifyReply, outcome: SignInOutcome, method: FirstFactor): boolean;
  read(request: FastifyRequest): { method: FirstFactor; mfaToken: string } | null;
  clear(reply: FastifyReply): void;
}

export function pendingSecondFactor(cookies: CookieSettings): PendingSecondFactor {
  const cookie: PageCookie = pageCookie(cookies, "superoauth_mfa");
  return {
    keep(reply, outcome, method) {
      if (!("mfaRequired" in outcome)) return false;
      appendSetCookie(reply.raw, serializeCookie(cookie, `${method}~${outcome.mfaToken}`, outcome.expiresIn));
      return true;
    },
    read(request) {
      const value = readCookie(request.headers.cookie, cookie);
      const separator = value?.indexOf("~") ?? -1;
      if (value === null || separator < 0) return null;
      const method = value.slice(0, separator);
      if (method !== "pwd" && method !== "fed") return null;
      return { method, mfaToken: value.slice(separator + 1) };
    },
    clear(reply) {
      appendSetCookie(reply.raw, serializeExpiredCookie(cookie));
    },
  };
}

/** A sign-in step's answer: the use case's value, or the page's status and words for its failure. */
export type StepAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly status: number; readonly message: string };

/** A failed step as the page shows it; a lockout's Retry-After is set on the reply. */
export function failedStep(
  reply: FastifyReply,
  result: { error: string; message?: string | undefined; retryAfterSeconds?: number },
): { ok: false; error: string; status: number; message: string } {
  if (result.retryAfterSeconds !== undefined) reply.header("retry-after", String(result.retryAfterSeconds));
  return { ok: false, error: result.error, ...failureOf(result) };
}

/**
 * The sign-in steps every sign-in page runs (the interaction's and the account center's): the
 * password form and the second-factor form, through the same use cases and device cookie.
 */
export function signInSteps(input: { useCases: UseCases; cookies: CookieSettings }) {
  const { useCases } = input;
  const signInClientOf = signInClients(input.cookies);
  return {
    clientOf: signInClientOf,
    pending: pendingSecondFactor(input.cookies),
    /** The email and password form (fields `email`, `password`). */
    async password(
      request: FastifyRequest,
      reply: FastifyReply,
    ): Promise<{ email: string; answer: StepAnswer<SignInOutcome> }> {
      const email = field(request.body, "email", 254);
      const result = await useCases.logInWithPassword({
        email,
        password: field(request.body, "password", 1024),
        client: signInClientOf(request, reply),
      });
      return { email, answer: result.ok ? result : failedStep(reply, result) };
    },
    /** The second factor's form (field `code`: a TOTP code or a backup code). */
    async secondFactor(
      request: FastifyRequest,
      reply: FastifyReply,
      mfaToken: string,
    ): Promise<StepAnswer<SignedIn>> {
      const result = await useCases.verifyTwoFactorLogin({
        mfaToken,
        ...secondFactorProof(field(request.body, "code", 64)),
        client: signInClientOf(request, reply),
      });
      return result.ok ? result : failedStep(reply, result);
    },
  };
}
