import {
  createUser,
  err,
  ok,
  parseNewEmail,
  parseNickname,
  type Result,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { checkNewPassword } from "../account/steps/check-new-password.ts";
import { fieldsOf } from "../attempt-budget.ts";
import { issueTokenIfAllowed, mailIssuedLink } from "../email-verification/steps/mail-token.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import {
  type ClientInfo,
  handOverSession,
  type SignedIn,
  storeNewSession,
} from "../sessions/steps/start-session.ts";
import { missingSignInField } from "./log-in-with-password.ts";
import { recordSuccessfulSignIn } from "./steps/sign-in-lockout.ts";

type SignUpInput = { email: string; password: string; nickname: string; client: ClientInfo };
type SignUpRefusal = "VALIDATION_ERROR" | "USER_EXISTS";

/**
 * What a sign-up form lacks to be an attempt: what a sign-in's lacks (an address and a password,
 * missingSignInField), and a nickname, as text that is not empty; null when it has them. Read
 * first: such a form is refused (VALIDATION_ERROR) before anything is checked or hashed, and
 * spends no sign-up of the `register` budget (attemptBudget).
 */
export function missingSignUpField(form: unknown): string | null {
  const { nickname } = fieldsOf(form);
  const missing = missingSignInField(form);
  if (missing !== null) return missing;
  return typeof nickname === "string" && nickname.trim() !== "" ? null : "Nickname is required";
}

/** Creates an account with an email and password and signs it in. */
export async function registerWithPassword(
  deps: Dependencies,
  input: SignUpInput,
): Promise<Result<SignedIn, SignUpRefusal>> {
  const created = await createPasswordAccount(deps, input, (tx, user) =>
    storeNewSession(tx, { user, client: input.client, now: user.createdAt, authenticationMethods: ["pwd"] }),
  );
  if (!created.ok) return created;
  const stored = created.value.opened;
  if (!stored.ok) return stored;
  return ok(await handOverSession(deps, stored.value));
}

/** A new account that may sign in only once its address is verified: no session is opened. */
export interface AwaitingVerification {
  readonly user: User;
  readonly awaitingVerification: true;
}

/**
 * The sign-up of a page when REQUIRE_EMAIL_VERIFICATION is on: the account and its verification
 * mail, and no session, since the person may not sign in until the address is verified (a session
 * opened here would be held by no one, yet listed among theirs). The API's register keeps its
 * contract (201 with tokens) whatever the setting.
 */
export async function registerAwaitingVerification(
  deps: Dependencies,
  input: SignUpInput,
): Promise<Result<AwaitingVerification, SignUpRefusal>> {
  const created = await createPasswordAccount(deps, input, async () => null);
  if (!created.ok) return created;
  return ok({ user: created.value.user, awaitingVerification: true });
}

/** A new account, and what the sign-up did with it in the account's transaction (its first session). */
interface NewAccount<T> {
  readonly user: User;
  readonly opened: T;
}

/** What a sign-up does with the new account in the transaction that writes it. */
type WithNewAccount<T> = (tx: Dependencies, user: User) => Promise<T>;

/** The account itself, and how the sign-up ended reported to the observer (metrics). */
async function createPasswordAccount<T>(
  deps: Dependencies,
  input: SignUpInput,
  open: WithNewAccount<T>,
): Promise<Result<NewAccount<T>, SignUpRefusal>> {
  const created = await writePasswordAccount(deps, input, open);
  deps.observer?.observe({
    type: "registration",
    method: "password",
    result: created.ok ? "created" : created.error === "USER_EXISTS" ? "taken" : "invalid",
  });
  return created;
}

/**
 * The checks and the hash, then in one transaction (ADR 0056) the account's row, its verification
 * link, its device and network made known, and what `open` opens (its first session): a sign-up that
 * fails on the way leaves no account behind, so trying again is not answered USER_EXISTS. The link
 * is mailed once they committed.
 */
async function writePasswordAccount<T>(
  deps: Dependencies,
  input: SignUpInput,
  open: WithNewAccount<T>,
): Promise<Result<NewAccount<T>, SignUpRefusal>> {
  const missing = missingSignUpField(input);
  if (missing !== null) return err("VALIDATION_ERROR", missing);
  const email = parseNewEmail(input.email);
  if (!email.ok) return email;
  const nickname = parseNickname(input.nickname);
  if (!nickname.ok) return nickname;
  const screened = await checkNewPassword(deps, {
    password: input.password,
    account: { email: email.value, nickname: nickname.value },
  });
  if (!screened.ok) return screened;

  const now = deps.clock.now();
  const user = createUser({
    id: deps.random.generateId() as UserId,
    email: email.value,
    nickname: nickname.value,
    passwordHash: await deps.passwordHasher.hashPassword(input.password),
    now,
  });
  const written = await inOneTransaction(deps, async (tx) => {
    // The unique index decides; no read before the write (two racing requests cannot both pass a read).
    const inserted = await tx.users.insertUser(user);
    if (!inserted.ok) return err("USER_EXISTS", "An account with this email already exists");
    const verificationLink = await issueTokenIfAllowed(tx, { user, purpose: "verify_email", now });
    // Signing up is the account's first sign-in: its device and network become known, so signing
    // in from them is not reported as new (ADR 0016).
    await recordSuccessfulSignIn(tx, { userId: user.id, account: user.email, client: input.client });
    return ok({ verificationLink, opened: await open(tx, user) });
  });
  if (!written.ok) return written;
  await mailIssuedLink(deps, { user, purpose: "verify_email", issued: written.value.verificationLink });
  return ok({ user, opened: written.value.opened });
}
