import type { Email, Nickname, Result, User, UserId } from "@superoauth/domain";

/** Users. Uniqueness of the email is the store's unique index, never a read before the write. */
export interface UserRepository {
  insertUser(user: User): Promise<Result<void, "USER_EXISTS">>;
  findUserById(id: UserId): Promise<User | null>;
  /** The users of these ids that exist, in no particular order (one read for a page of names). */
  findUsersByIds(ids: readonly UserId[]): Promise<User[]>;
  findUserByEmail(email: Email): Promise<User | null>;
  /**
   * Sets the password hash of an active account, and with `ifCurrent` only while the hash in force
   * is still that one (null: none). Answers whether it did: false when the account is gone or
   * disabled, or another change of password won (a compare-and-set, so of two changes proven with
   * the same current password exactly one applies). A null `passwordHash` removes the password
   * (staff's requireNewPassword): the account then signs in through its providers or a reset link.
   */
  updatePasswordHash(input: {
    userId: UserId;
    passwordHash: string | null;
    now: Date;
    ifCurrent?: string | null;
  }): Promise<boolean>;
  /**
   * Marks the user's address verified (idempotent). True only for the call that changed it: of
   * concurrent calls for one unverified address exactly one answers true (it records the event).
   */
  markEmailVerified(input: { userId: UserId; now: Date }): Promise<boolean>;
  updateNickname(input: { userId: UserId; nickname: Nickname; now: Date }): Promise<void>;
  /**
   * Moves the account to `email`, verified (the caller proved the mailbox). USER_EXISTS when
   * another account holds the address: the unique index decides, however many race for it.
   */
  /**
   * Moves the user to `email`, verified. USER_EXISTS when another user has it (the unique index
   * decides). With `ifCurrent`, only while the user's address is still that one (a compare-and-set:
   * of a confirmation and an undo of a change at once, the undo's write wins, ADR 0047); otherwise,
   * or with no such user, USER_NOT_FOUND and nothing changes.
   */
  changeEmail(input: {
    userId: UserId;
    email: Email;
    now: Date;
    ifCurrent?: Email;
  }): Promise<Result<void, "USER_EXISTS" | "USER_NOT_FOUND">>;
}

/** Slow, salted hashing for passwords (argon2id in production). */
export interface PasswordHasher {
  hashPassword(password: string): Promise<string>;
  verifyPassword(input: { hash: string; password: string }): Promise<boolean>;
  /**
   * Costs what verifyPassword costs, against a hash no password matches. Called
   * for unknown accounts so the response time does not reveal whether an email exists.
   */
  verifyDummyPassword(password: string): Promise<void>;
}

/** How easy a new password is to guess; when it is, why, as a sentence for the user. */
export type PasswordAssessment =
  | { readonly guessable: false }
  | { readonly guessable: true; readonly reason: string };

/**
 * Estimates how easy a new password is to guess: common passwords, words, names, keyboard
 * patterns, dates and repeats, with l33t and reversed variants, and the account's own words
 * (zxcvbn-ts in production, in a worker thread: tens of milliseconds of CPU that would otherwise
 * block the event loop; offline, dictionaries loaded once). Asked only when a password is set,
 * never at sign-in (docs/decisions/0014-password-screening.md). May reject with OverloadedError
 * when too many screens are waiting.
 */
export interface PasswordStrengthChecker {
  assessPassword(input: { password: string; accountWords: readonly string[] }): Promise<PasswordAssessment>;
}
