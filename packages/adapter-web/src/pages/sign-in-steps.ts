import {
  type AwaitingVerification,
  attemptBudget,
  missingSecondFactorCode,
  missingSignInField,
  missingSignUpField,
  parseOAuthFailureReason,
  providerUnavailableWords,
  type SignedIn,
  type SignInOutcome,
  type UseCases,
} from "@superoauth/application";
import {
  checkPasswordPolicy,
  oauthProviderNames,
  parseNewEmail,
  parseNickname,
  parseOAuthProvider,
  type Result,
} from "@superoauth/domain";
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
import { checkFormMark, formMark, unmarkedForm } from "./form-account.ts";
import { field, formBodyOnly } from "./page-kit.ts";

/** How a sign-in, sign-up or account failure shows: the API's status, and words when the use case gave none. */
export const pageFailures: Readonly<Record<string, { status: number; message: string }>> = {
  INVALID_CREDENTIALS: { status: 401, message: "Invalid email or password" },
  INVALID_TWO_FACTOR_CODE: {
    status: 401,
    message:
      "The code is wrong, expired or already used. Enter the newest code, and check that your device's clock is right",
  },
  INVALID_MFA_TOKEN: { status: 401, message: "This sign-in took too long. Sign in again." },
  ACCOUNT_DISABLED: { status: 403, message: "This account has been disabled" },
  EMAIL_NOT_VERIFIED: {
    status: 403,
    message: "Verify your email address first (at the provider, for a sign-in through one), then sign in",
  },
  ACCOUNT_LOCKED: {
    status: 423,
    message: "Too many failed sign-in attempts; wait for the lock to end or reset your password",
  },
  VALIDATION_ERROR: { status: 400, message: "Check the form and try again" },
  USER_EXISTS: { status: 409, message: "An account with this email already exists" },
  INVALID_LOGIN_CODE: {
    status: 400,
    message: "This sign-in through the provider expired, or began in another tab or browser. Start again.",
  },
  INVALID_CURRENT_PASSWORD: { status: 401, message: "The current password is incorrect" },
  TWO_FACTOR_NOT_ENABLED: { status: 400, message: "Two-step verification is not on for this account" },
  TWO_FACTOR_ALREADY_ENABLED: { status: 409, message: "Two-step verification is already on" },
  TWO_FACTOR_SETUP_REQUIRED: { status: 400, message: "Start the setup again: the key has expired" },
  USER_NOT_FOUND: { status: 404, message: "This account no longer exists" },
  INSUFFICIENT_PERMISSIONS: { status: 403, message: "Your role does not allow this" },
  // A trip to a provider (social sign-in, linking, a fresh proof): the callback's code, the API's status.
  INVALID_STATE: { status: 400, message: "That trip to the provider expired or began elsewhere. Try again." },
  INVALID_AUTHORIZATION_CODE: { status: 400, message: "The provider's answer was not valid. Try again." },
  OAUTH_ACCESS_DENIED: { status: 400, message: "You cancelled at the provider. Nothing was changed." },
  OAUTH_INIT_FAILED: {
    status: 500,
    message: "We could not start the trip to that provider. Try again later.",
  },
  TOKEN_EXCHANGE_FAILED: { status: 500, message: "We could not reach the provider. Try again." },
  USER_INFO_FAILED: {
    status: 500,
    // The code covers a provider that did not answer and one that shared no usable address.
    message:
      "We could not get your details from the provider (an email address is needed). Try again, or use another way to sign in.",
  },
  OAUTH_EMAIL_CONFLICT: {
    status: 409,
    message:
      "An account with this email address exists already. Sign in to it, then link the provider there.",
  },
  UNSUPPORTED_PROVIDER: { status: 400, message: "That provider is not available here" },
  PROVIDER_ALREADY_LINKED: { status: 409, message: "That provider account is linked to an account already" },
  PROVIDER_NOT_LINKED: { status: 404, message: "That provider is not linked to your account" },
  ACCOUNT_LINK_FAILED: { status: 500, message: "We could not link that provider. Try again." },
  CANNOT_UNLINK_LAST_AUTH: {
    status: 400,
    message: "This is your account's only way to sign in: set a password or link another provider first",
  },
  REAUTH_IDENTITY_MISMATCH: {
    status: 403,
    message: "That is not the provider account linked to yours. Sign in there with the linked one.",
  },
  INVALID_TOKEN: { status: 401, message: "Your session has ended. Sign in again." },
  REAUTH_REQUIRED: { status: 401, message: "Confirm it is you first" },
  RATE_LIMIT_EXCEEDED: { status: 429, message: "Too many attempts. Wait a while, then try again." },
  SESSION_NOT_FOUND: { status: 404, message: "That session is already signed out" },
  APP_NOT_FOUND: { status: 404, message: "There is no such app of yours" },
  EXPORT_NOT_FOUND: { status: 404, message: "There is no such data export of yours" },
  EXPORT_NOT_READY: { status: 409, message: "The data export is not ready to download yet" },
  EXPORT_EXPIRED: { status: 410, message: "The data export has expired. Request a new one." },
  LAST_ADMIN: { status: 409, message: "This is the last active admin: make another admin first" },
  UNSUPPORTED_MEDIA_TYPE: formBodyOnly,
  TWO_FACTOR_REQUIRED: {
    status: 403,
    message: "Staff accounts need two-factor authentication. Turn it on in your account, then come back.",
  },
};

/**
 * A provider's trip that came back failed (`?error=<CODE>&provider=<id>&reason=`): the table's
 * status and words, naming the provider by its name where the address names a known one, and a
 * provider's own trouble (`reason=provider_unavailable`, ADR 0068) told from a refusal or a
 * cancellation. Nothing else from the address reaches the page. Null for an unknown code.
 */
export function providerTripFailure(
  query: unknown,
): { error: string; status: number; message: string } | null {
  const read = (name: string) => {
    const value = (query as Record<string, unknown> | undefined)?.[name];
    return typeof value === "string" ? value : "";
  };
  const error = read("error");
  const known = pageFailures[error];
  if (known === undefined) return null;
  const provider = parseOAuthProvider(read("provider"));
  const name = provider === null ? "the provider" : oauthProviderNames[provider];
  const message =
    error === "OAUTH_INIT_FAILED" && parseOAuthFailureReason(read("reason")) === "provider_unavailable"
      ? providerUnavailableWords(provider)
      : error === "OAUTH_INIT_FAILED"
        ? `Something went wrong starting the trip to ${name}. Try again later, or sign in another way.`
        : error === "OAUTH_ACCESS_DENIED"
          ? `You cancelled at ${name}. Nothing was changed.`
          : known.message;
  return { error, status: known.status, message };
}

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

/**
 * Digits (spaces allowed) are a TOTP code; anything else a backup code, as the API's landing page
 * reads it. Nothing typed is an empty code, which the use case refuses uncounted ("Type the code
 * from your authenticator app").
 */
export function secondFactorProof(value: string): { code: string } | { backupCode: string } {
  const trimmed = value.trim();
  return /^[0-9 ]*$/.test(trimmed) ? { code: trimmed.replaceAll(" ", "") } : { backupCode: trimmed };
}

/** The code step's form's proof (its field `code`), as the use case is given it. */
export function secondFactorOfForm(body: unknown): { code: string } | { backupCode: string } {
  return secondFactorProof(field(body, "code", 64));
}

/**
 * The second factor's token between the two sign-in steps, kept out of the page (HttpOnly) for its
 * few minutes. (How the first factor was proven travels inside the token.) After the password step
 * the address typed there waits beside it, in a cookie of the same life, for the step's hidden
 * username field: a password manager then knows whose code it is (ADR 0054). Never in a URL.
 *
 * A browser holds one such step at a time, and a sign-in begun in another tab replaces it. So the
 * step's form carries which step it was shown for (`step`: a fingerprint of the token, which names
 * neither the account nor the token), and a code sent from a page whose step was replaced is not
 * checked against the other one: it would count toward that account's lockout, or sign the browser
 * in to an account the person did not type the code for (docs/reliability.md).
 */
export interface PendingSecondFactor {
  /**
   * Keeps a sign-in that needs its second factor (with the address the password step was given,
   * when it was one); false when the sign-in is complete.
   */
  keep(reply: FastifyReply, outcome: SignInOutcome, email?: string): boolean;
  /**
   * The token, the address typed at the password step (null after a provider's sign-in), and the
   * step's fingerprint for its form.
   */
  read(request: FastifyRequest): PendingStep | null;
  /**
   * The step a posted second-factor form is for: null when this browser holds none (it took too
   * long, or was finished), "replaced" when the one it holds is not the one the form was shown for,
   * "unmarked" when the form says for none (a page from before the field, or one made by hand:
   * whose step it was cannot be told, so its code is checked against none).
   */
  submitted(request: FastifyRequest): PendingStep | "replaced" | "unmarked" | null;
  /**
   * What the step's page puts in its form: which pending step it is for (`step`), and the address
   * of the password step for the password manager's hidden username field (ADR 0054).
   */
  formFields(request: FastifyRequest): { step: string | null; username: string | null };
  clear(reply: FastifyReply): void;
}

export interface PendingStep {
  readonly mfaToken: string;
  readonly email: string | null;
  /** The form's `step` field: which pending step the page was shown for. */
  readonly step: string;
}

/**
 * What the sign-in page says to a second-factor form with no step to check it against: none held
 * (it took too long: 401; or it was finished, in another tab say, and the browser is signed in now:
 * 409), another sign-in in this browser replaced the one the page was shown for (409; that one
 * stays, for its own tab), or the form says for none (409; a page from before the field).
 */
export function stepRefusal(
  state: "replaced" | "unmarked" | null,
  signedInNow = false,
): { error: string; status: number } {
  if (state === null && signedInNow) {
    return {
      error: "This browser is signed in now (in another tab, say), so this step is not needed.",
      status: 409,
    };
  }
  if (state === null) {
    const { status, message } = failureOf({ error: "INVALID_MFA_TOKEN" });
    return { error: message, status };
  }
  if (state === "unmarked") {
    return { error: `${unmarkedForm}, so this code was not checked. Sign in again.`, status: 409 };
  }
  return {
    error:
      "Another sign-in began in this browser after this page opened, so this code was not checked. Finish that one in its own tab, or sign in again here.",
    status: 409,
  };
}

/** A step's fingerprint, for its form: which pending step the page was shown for. */
function stepOf(mfaToken: string): string {
  return formMark("second-factor step", mfaToken);
}

/** An address as a cookie may hand it back: at most 254 characters, one @, nothing that is markup. */
function addressShaped(value: string | null): string | null {
  return value !== null && value.length <= 254 && /^[^\s@<>]+@[^\s@<>]+$/u.test(value) ? value : null;
}

export function pendingSecondFactor(cookies: CookieSettings): PendingSecondFactor {
  const cookie: PageCookie = pageCookie(cookies, "superoauth_mfa");
  const emailCookie: PageCookie = pageCookie(cookies, "superoauth_mfa_email");
  const read = (request: FastifyRequest): PendingStep | null => {
    const value = readCookie(request.headers.cookie, cookie);
    // A cookie of the earlier "<method>~<token>" form is no token: the step answers
    // INVALID_MFA_TOKEN and the person signs in again (it lived a few minutes).
    if (value === null || value === "") return null;
    return {
      mfaToken: value,
      email: addressShaped(readCookie(request.headers.cookie, emailCookie)),
      step: stepOf(value),
    };
  };
  return {
    keep(reply, outcome, email) {
      if (!("mfaRequired" in outcome)) return false;
      appendSetCookie(reply.raw, serializeCookie(cookie, outcome.mfaToken, outcome.expiresIn));
      const shaped = addressShaped(email ?? null);
      appendSetCookie(
        reply.raw,
        shaped === null
          ? serializeExpiredCookie(emailCookie)
          : serializeCookie(emailCookie, shaped, outcome.expiresIn),
      );
      return true;
    },
    read,
    formFields(request) {
      const state = read(request);
      return { step: state?.step ?? null, username: state?.email ?? null };
    },
    submitted(request) {
      const state = read(request);
      if (state === null) return null;
      const check = checkFormMark(request.body, "step", state.step);
      return check === "same" ? state : check === "missing" ? "unmarked" : "replaced";
    },
    clear(reply) {
      appendSetCookie(reply.raw, serializeExpiredCookie(cookie));
      appendSetCookie(reply.raw, serializeExpiredCookie(emailCookie));
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
 * What a sign-in page adds below a refusal that only people can undo, for support-help.eta to
 * finish with SUPPORT_URL or the team that runs the service (as the second-factor step does for a
 * lost device): a lock (its reset lifts it, but one that outlasts its wait means someone keeps
 * guessing from the person's network) and a disabled account, which docs/errors.md tells a client
 * to send to support.
 */
function signInSupportHelp(error: string | undefined): string | null {
  if (error === "ACCOUNT_LOCKED") return "Still locked once the wait is over?";
  if (error === "ACCOUNT_DISABLED") return "Think this is a mistake?";
  return null;
}

/**
 * What the sign-in page shows of a refusal: its words, the support line under it, whether the
 * account is locked (the page then links the password reset that lifts the lock, as the code step
 * does) or its address unverified (the page links a new verification mail), and whether the address and password are what was wrong (marked `aria-invalid`, described
 * by the words): both for a wrong password, the one a form's mistake names ("Password is required"), not a lock, a disabled account, a step that
 * took too long or one another tab replaced, where a screen reader would call two fields "invalid"
 * that are not.
 */
export function signInRefusal(input: { error?: string | null | undefined; code?: string | undefined }): {
  error: string | null;
  supportHelp: string | null;
  locked: boolean;
  unverified: boolean;
  fieldsInError: { email: boolean; password: boolean };
} {
  const error = input.error ?? null;
  const wrong = error !== null && (input.code === "INVALID_CREDENTIALS" || input.code === "VALIDATION_ERROR");
  // A form's mistake names its field ("Password is required"): only that field is marked.
  const named = wrong && input.code === "VALIDATION_ERROR" ? fieldOfMessage(error) : null;
  return {
    error: input.error ?? null,
    supportHelp: signInSupportHelp(input.code),
    locked: input.code === "ACCOUNT_LOCKED",
    // The password was right but the address waits for its link (REQUIRE_EMAIL_VERIFICATION): the
    // page links the form that mails a new one, under the words, as a lock links the reset.
    unverified: input.code === "EMAIL_NOT_VERIFIED",
    fieldsInError: {
      email: wrong && (named === null || named === "email"),
      password: wrong && (named === null || named === "password"),
    },
  };
}

/** Which sign-up field a validation message is about ("Email must be...", "Password must..."). */
function fieldOfMessage(message: string): "nickname" | "email" | "password" | null {
  const first = message.split(/\s/, 1)[0]?.toLowerCase() ?? "";
  return first === "nickname" || first === "email" || first === "password" ? first : null;
}

/** What a sign-up page says when the new account must verify its address first (REQUIRE_EMAIL_VERIFICATION). */
export function verificationSentMessage(email: string | null): string {
  return `We sent a verification link to ${email ?? "the address you gave"}. Open it, then come back and sign in.`;
}

/** How long a reload of the sign-up's "check your email" still names the address. */
const signedUpCookieSeconds = 600;

/**
 * The sign-up's "check your email" by Post/Redirect/Get: the POST keeps the address in a short
 * HttpOnly cookie and answers 303 to the sign-up page with `?sent=1`, which shows the notice naming
 * it. Answered in the POST itself, a reload (or Back and Forward) posted the form again and got
 * "An account with this email already exists" for the account just made. Past the cookie's life
 * (or for a value that is no address) the notice names "the address you gave".
 */
export function signUpSentNotice(cookies: CookieSettings) {
  const cookie = pageCookie(cookies, "superoauth_signed_up");
  return {
    keep(reply: FastifyReply, email: string): void {
      appendSetCookie(reply.raw, serializeCookie(cookie, email, signedUpCookieSeconds));
    },
    /** Whether the request is the redirect's (`?sent=1`). */
    asked(request: FastifyRequest): boolean {
      return (request.query as Record<string, unknown> | undefined)?.sent === "1";
    },
    message(request: FastifyRequest): string {
      return verificationSentMessage(addressShaped(readCookie(request.headers.cookie, cookie)));
    },
  };
}

/**
 * The sign-in form's POST options: an attempt (an address and a password) draws from `login`; a
 * form sent without one is only shown again with what is missing, and draws from the page views'
 * budget (`pages`), as showing the form does (ADR 0070).
 */
export const signInFormLimit = {
  limitOf: attemptBudget(missingSignInField, "login", "pages"),
};

/**
 * The code step's POST options: a code typed (what the use case is given, secondFactorOfForm)
 * draws from `login`; a form sent with nothing typed is only shown again ("Type the code from your
 * authenticator app"), and draws from `pages`.
 */
export const secondFactorFormLimit = {
  limitOf: attemptBudget((body) => missingSecondFactorCode(secondFactorOfForm(body)), "login", "pages"),
};

/**
 * The sign-up form's POST options: an attempt (an address, a password and a nickname) draws from
 * `register`; a form sent without one is only shown again with what is missing, and draws from
 * `pages`.
 */
export const signUpFormLimit = {
  limitOf: attemptBudget(missingSignUpField, "register", "pages"),
};

/** The sign-up form's values (never the password) and, after a failure, its words by field or for the form. */
export interface SignUpForm {
  readonly values: { readonly nickname: string; readonly email: string };
  readonly errors: Partial<Record<"nickname" | "email" | "password", string>>;
  readonly error: string | null;
}

/**
 * The sign-in steps every sign-in page runs (the interaction's and the account center's): the
 * password form and the second-factor form, through the same use cases and device cookie.
 */
export function signInSteps(input: {
  useCases: UseCases;
  cookies: CookieSettings;
  /** REQUIRE_EMAIL_VERIFICATION: a sign-up opens no session; the address is verified first. */
  requireEmailVerification: boolean;
}) {
  const { useCases } = input;
  const signInClientOf = signInClients(input.cookies);
  // The PKCE verifier of a social sign-in started from a page, until the trip comes back (one at a time).
  const verifierCookie = pageCookie(input.cookies, "superoauth_interaction_verifier");
  const configuredProvider = async (value: string) => {
    const provider = parseOAuthProvider(value);
    return provider !== null && (await useCases.listOAuthProviders({})).includes(provider) ? provider : null;
  };
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
        ...secondFactorOfForm(request.body),
        client: signInClientOf(request, reply),
      });
      return result.ok ? result : failedStep(reply, result);
    },
    /** The providers a sign-in page offers a button for. */
    async socialProviders(): Promise<{ id: string; name: string }[]> {
      return (await useCases.listOAuthProviders({})).map((id) => ({ id, name: oauthProviderNames[id] }));
    },
    /**
     * Social sign-in from a page (ADR 0013, ADR 0022): a PKCE verifier that only this browser's
     * cookie holds, and the API's trip to the provider, coming back to `returnTo` (a path adapter-http's
     * `returnTargetPattern` allows) with a one-time login code. The URL to 303 to; null when the
     * provider is not available here.
     */
    async startSocial(
      reply: FastifyReply,
      input: { provider: string; returnTo: string },
    ): Promise<string | null> {
      const provider = await configuredProvider(input.provider);
      if (provider === null) return null;
      const pair = useCases.createCodeVerifier({});
      appendSetCookie(reply.raw, serializeCookie(verifierCookie, pair.codeVerifier, pair.expiresInSeconds));
      const query = new URLSearchParams({
        code_challenge: pair.codeChallenge,
        code_challenge_method: "S256",
        return_to: input.returnTo,
      });
      return `/api/v1/oauth/${provider}?${query}`;
    },
    /** The trip back (`?code=` or the callback's `?error=<CODE>`): the login code traded with this browser's verifier. */
    async finishSocial(request: FastifyRequest, reply: FastifyReply): Promise<StepAnswer<SignInOutcome>> {
      const codeVerifier = readCookie(request.headers.cookie, verifierCookie) ?? undefined;
      // One verifier, one exchange.
      appendSetCookie(reply.raw, serializeExpiredCookie(verifierCookie));
      const query = request.query as Record<string, unknown>;
      const code = typeof query.code === "string" ? query.code.slice(0, 512) : "";
      if (code === "") {
        // The callback sends its failure back by code (with the provider and a reason).
        const refused = providerTripFailure(query);
        return {
          ok: false,
          error: refused?.error ?? "INVALID_STATE",
          status: refused?.status ?? 400,
          message:
            refused?.message ??
            "Signing in with that provider did not complete. Try again, or sign in with your password.",
        };
      }
      const result = await useCases.exchangeOAuthLoginCode({
        code,
        codeVerifier,
        client: signInClientOf(request, reply),
      });
      if (result.ok) return result;
      // The API's words for a bad login code speak to developers (code_verifier); ours to people.
      return failedStep(reply, result.error === "INVALID_LOGIN_CODE" ? { error: result.error } : result);
    },
    /**
     * The sign-up form (fields `nickname`, `email`, `password`): a new account, signed in, or, when
     * it must verify its address first, without a session until it has.
     */
    async signUp(
      request: FastifyRequest,
      reply: FastifyReply,
    ): Promise<{ form: SignUpForm; answer: StepAnswer<SignedIn | AwaitingVerification> }> {
      const values = {
        nickname: field(request.body, "nickname", 64),
        email: field(request.body, "email", 254),
      };
      const signUp = {
        ...values,
        password: field(request.body, "password", 1024),
        client: signInClientOf(request, reply),
      };
      const result: Awaited<ReturnType<UseCases["registerWithPassword" | "registerAwaitingVerification"]>> =
        input.requireEmailVerification
          ? await useCases.registerAwaitingVerification(signUp)
          : await useCases.registerWithPassword(signUp);
      if (result.ok) return { form: { values, errors: {}, error: null }, answer: result };
      const failed = failedStep(reply, result);
      const target = result.error === "USER_EXISTS" ? "email" : fieldOfMessage(failed.message);
      const errors: SignUpForm["errors"] = target === null ? {} : { [target]: failed.message };
      if (result.error === "VALIDATION_ERROR" && target !== null) {
        // The use case stops at the first field it refuses; the form names, at once, every other
        // field the domain's own rules refuse (the use case's later checks, such as the password
        // screen, still come one at a time).
        // A field left empty is named as such ("Password is required", as the use case names the
        // first), never by a format rule a person has not started to meet.
        const checks = {
          nickname: () => parseNickname(values.nickname),
          email: () => parseNewEmail(values.email),
          password: () => checkPasswordPolicy(signUp.password),
        };
        const left = {
          nickname: values.nickname.trim(),
          email: values.email.trim(),
          password: signUp.password,
        };
        const required = {
          nickname: "Nickname is required",
          email: "Email is required",
          password: "Password is required",
        };
        for (const [name, check] of Object.entries(checks) as [
          keyof typeof checks,
          () => Result<unknown, "VALIDATION_ERROR">,
        ][]) {
          if (errors[name] !== undefined) continue;
          const checked = left[name] === "" ? null : check();
          if (checked === null) errors[name] = required[name];
          else if (!checked.ok) errors[name] = checked.message ?? failed.message;
        }
      }
      return {
        form: { values, errors, error: target === null ? failed.message : null },
        answer: failed,
      };
    },
  };
}
