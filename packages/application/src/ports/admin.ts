import type {
  ErrorCode,
  MaintenanceNotice,
  Result,
  Role,
  SecurityEvent,
  User,
  UserId,
  UserStatus,
} from "@superoauth/domain";

/** What a staff change sets on an account: its status (with the reason of a disable, null when enabled), its role. */
export interface AccountChange {
  readonly status?: UserStatus;
  readonly disabledReason?: string | null;
  readonly role?: Role;
}

/** An account as a guard sees it under the store's lock: the account, and the active admins of the service. */
export interface GuardedAccount {
  readonly user: User;
  readonly activeAdminIds: readonly UserId[];
}

/**
 * An account as a change computed under the store's lock sees it: the account, and the reason of
 * its disable (`AccountChange.disabledReason`: null while it is active, and for an account disabled
 * before reasons were kept), read in the same locked read.
 */
export interface LockedAccount {
  readonly user: User;
  readonly disabledReason: string | null;
}

/**
 * What staff do to accounts (docs/admin.md). The changes that could leave the service without an
 * admin take turns: the store reads the active admins and the account under one lock and asks the
 * guard (the domain's rules), so two admins demoting each other at once cannot both succeed.
 */
export interface AccountAdministration {
  /**
   * Users whose email or nickname contains `query` (case-insensitive; every user when null), in id
   * order (creation order: ids are UUIDv7), after `afterId`, at most `limit`.
   */
  searchUsers(input: { query: string | null; afterId?: string; limit: number }): Promise<User[]>;
  /**
   * Applies `change` if the guard allows it on the account as it is; answers the changed account. A
   * change that depends on the account as the lock found it (a disable's reason, kept only by the
   * disable that changed the status) is a function of it, which also sees the reason it has.
   */
  updateAccount<E extends ErrorCode>(input: {
    userId: UserId;
    change: AccountChange | ((locked: LockedAccount) => AccountChange);
    now: Date;
    guard: (account: GuardedAccount) => Result<void, E>;
  }): Promise<Result<User, "USER_NOT_FOUND" | E>>;
  /**
   * If the guard allows it, in one transaction: deletes the user and every record of them (sessions
   * and refresh tokens, linked providers, 2FA, mail tokens, sign-in sources and lockout counters of
   * their address, OAuth trips and codes, the OpenID provider's records of the account) and keeps
   * their security events only as anonymous facts: under `pseudonymId` (an id nobody has), without
   * IP, user agent or details. Actions the user took as staff keep naming `pseudonymId` as actor.
   * Answers the account as it was.
   */
  deleteAccount<E extends ErrorCode>(input: {
    userId: UserId;
    pseudonymId: UserId;
    guard: (account: GuardedAccount) => Result<void, E>;
  }): Promise<Result<User, "USER_NOT_FOUND" | E>>;
  /**
   * Why staff disabled the account, in their words (`AccountChange.disabledReason`): null while it
   * is active, for an account disabled before reasons were kept, and for no account. Staff's notes,
   * read only for staff (getUserDetails): never on the account the person's own paths handle.
   */
  findDisabledReason(userId: UserId): Promise<string | null>;
  /** The ids of the admins that are not disabled. */
  listActiveAdminIds(): Promise<UserId[]>;
  /** When the last lock of any of the address's sign-in counters ends, if one holds at `now`. */
  findAccountLockedUntil(input: { account: string; now: Date }): Promise<Date | null>;
  /**
   * The audit's events (`isAuditEntry`): those staff caused (with an actor) and the admins
   * `pnpm admin:create` made; newest first, after `beforeId`.
   */
  listStaffActions(input: { limit: number; beforeId?: string }): Promise<SecurityEvent[]>;
  /**
   * What `actorId` did as staff to other accounts: the events naming them as actor on any log but
   * their own (their own account's entries are on their log already), newest first, after
   * `beforeId`. Their data export's `staff-actions.json` (docs/account-export.md): the IP and user
   * agent of these entries are theirs, and on no other export. An account deleted since keeps its
   * entries under its pseudonym, still listed; a deleted actor's entries name their pseudonym,
   * which no account has.
   */
  listActionsBy(input: { actorId: UserId; limit: number; beforeId?: string }): Promise<SecurityEvent[]>;
}

/**
 * What a user granted third-party apps (issue 9): their consents and the tokens issued under them.
 * Disabling and deleting an account revoke them all.
 */
export interface ThirdPartyGrants {
  revokeGrantsOfUser(input: { userId: UserId }): Promise<void>;
}

/** A user's data exports (issue 10): deleting the account removes them, records and files. */
export interface UserExports {
  removeExportsOfUser(input: { userId: UserId }): Promise<void>;
}

/**
 * The maintenance notice of the public status page, kept with the data so every instance shows
 * the same one (docs/operations.md, "/ready and /status").
 */
export interface MaintenanceNotices {
  /** The notice in force; null when there is none. */
  current(): Promise<MaintenanceNotice | null>;
  /** Puts `notice` in force instead of the one before; null clears it. */
  replace(notice: MaintenanceNotice | null): Promise<void>;
}
