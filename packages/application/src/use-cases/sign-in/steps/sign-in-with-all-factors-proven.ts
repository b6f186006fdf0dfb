import {
  checkUserMaySignIn,
  err,
  ok,
  type Result,
  type SecurityEvent,
  signInAuthenticationMethods,
  type User,
} from "@superoauth/domain";
import { DeletedMeanwhileError } from "../../../deleted-meanwhile-error.ts";
import type { Dependencies, OutgoingMail } from "../../../ports/index.ts";
import { inOneTransaction } from "../../in-one-transaction.ts";
import { noticeOf, storeSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import {
  type ClientInfo,
  handOverSession,
  type SignedIn,
  type StoredSession,
  storeNewSession,
} from "../../sessions/steps/start-session.ts";
import {
  spendSecondFactor,
  storeCodeSpent,
  type UnspentSecondFactor,
} from "../../two-factor/steps/redeem-code.ts";
import type { SignInMethod } from "./continue-after-first-factor.ts";
import { findSignInSource, recordSuccessfulSignIn, type SignInSource } from "./sign-in-lockout.ts";

/**
 * Opens the session of a user who passed every factor and records the sign-in;
 * the client's failure counters start again and it becomes a known source. A
 * sign-in from neither a device nor a network the account signed in from before
 * is also recorded as `new_device_sign_in`, which mails the holder "was this you?".
 *
 * The session opens only if the account, read again under the user's lock, is still as the proof
 * found it: a deletion, a new password (a change or a reset) or a disable that committed while the
 * proof was checked (an argon2id hash takes tens of milliseconds) ends this sign-in with
 * `staleProof` or ACCOUNT_DISABLED, and one committed after it ends its session as every other.
 */
export async function signInWithAllFactorsProven<E extends ChangedOnTheWay>(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    method: SignInMethod;
    /** Whether a second factor (TOTP or backup code) was proven after `method`. */
    secondFactor: boolean;
    /** The client's source as this sign-in read it before checking the first factor, if it did. */
    source?: SignInSource;
    /** The answer when the account is gone or its password changed since `user` was read. */
    staleProof: E;
    /**
     * The MFA challenge a second step completes: recorded in the sign-in's transaction, so a
     * sign-in that fails on the way (a 503) leaves it open for the next code, and of two steps
     * with one token only the first opens a session (the other answers `completedAlready`).
     */
    challenge?: SecondStep<E>;
  },
): Promise<Result<SignedIn, E | "ACCOUNT_DISABLED">> {
  const { user, client } = input;
  // Read before this sign-in makes the client known. Known means its device or its IP completed a
  // sign-in within the known-source lifetime (ADR 0008); sign-up counts as one (ADR 0016). A password
  // sign-in or a second step read it for the lockout already, earlier in the same request: that
  // answer stands.
  const source = input.source ?? (await findSignInSource(deps, { userId: user.id, client }));
  let signedIn: Awaited<ReturnType<typeof openRecordedSession<E>>>;
  try {
    signedIn = await openRecordedSession(deps, { ...input, known: source.known });
  } catch (error) {
    // Deleted while the sign-in was recorded: the same answer as a deletion before it. Only in the
    // in-memory store; over SQL the transaction holds the user's row from the session on.
    if (error instanceof DeletedMeanwhileError)
      return err(input.staleProof, "The account changed while you signed in; sign in again");
    if (error instanceof ChallengeCompletedAlready && input.challenge !== undefined)
      return input.challenge.completedAlready;
    if (error instanceof CodeSpentAlready && input.challenge !== undefined)
      return input.challenge.codeSpentAlready;
    throw error;
  }
  if (!signedIn.ok) return signedIn;
  // Mailed once the sign-in committed: a "was this you?" for a sign-in that a rollback took back
  // would be a false alarm. Nothing from here on can fail the sign-in (the mailer only queues).
  for (const notice of signedIn.value.notices) await deps.mailer.sendMail(notice);
  return ok(await handOverSession(deps, signedIn.value.stored));
}

/**
 * In one transaction (ADR 0056): the session, under the user's lock and only if the account is
 * still as the proof found it; the sign-in in the security log (and a new source's entry); the
 * client's failure counters cleared and the client known from now on. A sign-in that fails on the
 * way leaves no session behind, and one that answers leaves no step of it undone. Answers the
 * session stored and the notices of the entries recorded, for after the commit.
 */
async function openRecordedSession<E extends ChangedOnTheWay>(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    method: SignInMethod;
    secondFactor: boolean;
    staleProof: E;
    challenge?: SecondStep<E>;
    known: boolean;
  },
): Promise<Result<{ stored: StoredSession; notices: OutgoingMail[] }, E | "ACCOUNT_DISABLED">> {
  const { user, client, method } = input;
  return inOneTransaction(deps, async (tx) => {
    // A second step's code first: spent with the sign-in, so one that fails on the way gives it
    // back. Its row (the factor's, or the backup code's) comes before the user's, as in turning 2FA
    // off; the update touches no foreign key, so the user's row is not locked yet. Spent meanwhile
    // by another request: nothing written to undo.
    if (input.challenge !== undefined && !(await spendSecondFactor(tx, input.challenge.code))) {
      throw new CodeSpentAlready();
    }
    const session = await storeNewSession<E | "ACCOUNT_DISABLED">(tx, {
      user,
      client,
      now: tx.clock.now(),
      authenticationMethods: signInAuthenticationMethods({
        firstFactor: method,
        secondFactor: input.secondFactor,
      }),
      holder: (holder) =>
        holder === null || holder.passwordHash !== user.passwordHash
          ? err(input.staleProof, "The account changed while you signed in; sign in again")
          : checkUserMaySignIn({ ...user, status: holder.status }),
    });
    if (!session.ok) return session;
    // After the session, so the user's row stays the first of the account's rows every sign-in
    // locks (the challenge's row checks its foreign key to it). Completed already: the whole
    // sign-in undone, the code given back.
    if (input.challenge !== undefined) {
      const completed = await tx.twoFactor.completeMFAChallenge({
        challengeId: input.challenge.challengeId,
        expiresAt: input.challenge.expiresAt,
        userId: user.id,
        now: tx.clock.now(),
      });
      if (!completed) throw new ChallengeCompletedAlready();
    }
    const { sessionId } = session.value;
    // The session's id, as `session_revoked` and `refresh_token_reuse_detected` give it: whoever
    // reads the log (the holder, an incident review) can tell which sign-in a later sign-out ended,
    // after the ended session's row (with its device and address) is pruned a day later.
    const recorded: SecurityEvent[] = [];
    const notices: OutgoingMail[] = [];
    // Before the sign-in it proved, as the log has always listed them; with how many remain. Its
    // notice is composed now, before the sign-in's own entries are stored: an unproven address's
    // hourly allowance counts the entries before it, as when the code was spent before the sign-in.
    if (input.challenge !== undefined) {
      const notice = await storeCodeSpent(tx, { spent: input.challenge.code, client });
      if (notice !== null) notices.push(notice);
    }
    recorded.push(
      await storeSecurityEvent(tx, {
        userId: user.id,
        type: "login_succeeded",
        client,
        // A TOTP or backup code proven after `method`: the log says both, as the session's amr does.
        details: input.secondFactor ? { method, secondFactor: true, sessionId } : { method, sessionId },
      }),
    );
    // Read again under the user's lock when it was new: of sign-ins at once from one new client (a
    // double submit, two tabs), the first made it known before this one got the lock, and only the
    // first is a new device's (one entry, one "New sign-in" mail). Over SQL the read comes after the
    // lock, so it sees the first's commit; a known client reads nothing more.
    const known = input.known || (await findSignInSource(tx, { userId: user.id, client })).known;
    if (!known) {
      recorded.push(
        await storeSecurityEvent(tx, {
          userId: user.id,
          type: "new_device_sign_in",
          client,
          details: { method, sessionId },
        }),
      );
    }
    await recordSuccessfulSignIn(tx, { userId: user.id, account: user.email, client });
    for (const event of recorded) {
      const notice = await noticeOf(tx, event);
      if (notice !== null) notices.push(notice);
    }
    return ok({ stored: session.value, notices });
  });
}

/** What a sign-in answers when the account or a step changed under it. */
type ChangedOnTheWay = "INVALID_CREDENTIALS" | "INVALID_MFA_TOKEN" | "INVALID_TWO_FACTOR_CODE";

/**
 * The second step a sign-in completes (verifyTwoFactorLogin): its MFA challenge and the code that
 * proved it, both written in the sign-in's transaction, and the answers when another request got
 * to either first.
 */
interface SecondStep<E extends ChangedOnTheWay> {
  challengeId: string;
  expiresAt: Date;
  completedAlready: Result<never, E>;
  code: UnspentSecondFactor;
  codeSpentAlready: Result<never, E>;
}

/** Thrown inside the sign-in's transaction to undo it: another request spent its code. */
class CodeSpentAlready extends Error {
  constructor() {
    super("The second factor's code was spent by another request");
    this.name = "CodeSpentAlready";
  }
}

/** Thrown inside the sign-in's transaction to undo it: another request completed its MFA challenge. */
class ChallengeCompletedAlready extends Error {
  constructor() {
    super("The MFA challenge was completed by another request");
    this.name = "ChallengeCompletedAlready";
  }
}
