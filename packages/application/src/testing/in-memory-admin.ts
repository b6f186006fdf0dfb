import {
  type ErrorCode,
  err,
  isActiveAdmin,
  type MaintenanceNotice,
  ok,
  type Result,
  type SecurityEvent,
  type User,
  type UserId,
} from "@superoauth/domain";
import type {
  AccountAdministration,
  AccountChange,
  GuardedAccount,
  LockedAccount,
  MaintenanceNotices,
  ThirdPartyGrants,
  UserExports,
} from "../ports/index.ts";
import type {
  InMemorySecurityEventLog,
  InMemorySessionRepository,
  InMemoryUserRepository,
} from "./in-memory.ts";
import type { InMemoryEmailTokenRepository } from "./in-memory-mail.ts";
import type { InMemoryLinkedProviderRepository, InMemoryOAuthFlowRepository } from "./in-memory-oauth.ts";
import type { InMemoryLockoutRepository, InMemoryTwoFactorRepository } from "./in-memory-two-factor.ts";

/** The stores an account's records live in, as an account deletion reaches them. */
export interface InMemoryAccountStores {
  readonly users: InMemoryUserRepository;
  readonly sessions: InMemorySessionRepository;
  readonly securityEvents: InMemorySecurityEventLog;
  readonly linkedProviders: InMemoryLinkedProviderRepository;
  readonly twoFactor: InMemoryTwoFactorRepository;
  readonly emailTokens: InMemoryEmailTokenRepository;
  readonly lockout: InMemoryLockoutRepository;
  readonly oauthFlows: InMemoryOAuthFlowRepository;
  readonly maintenanceNotices: InMemoryMaintenanceNotices;
}

/**
 * AccountAdministration over the in-memory stores. Nothing awaits between a guard's read and the
 * write it allows: the in-memory counterpart of the SQL store's lock.
 */
export class InMemoryAccountAdministration implements AccountAdministration {
  readonly #stores: InMemoryAccountStores;
  /** A disable's reason by account (the SQL store's `users.disabled_reason`), kept off the account. */
  readonly #disabledReasons = new Map<UserId, string | null>();
  constructor(stores: InMemoryAccountStores) {
    this.#stores = stores;
  }

  async searchUsers(input: { query: string | null; afterId?: string; limit: number }): Promise<User[]> {
    const query = input.query?.toLowerCase() ?? null;
    return this.#stores.users
      .allUsers()
      .filter(
        (u) =>
          (input.afterId === undefined || u.id > input.afterId) &&
          (query === null ||
            u.email.toLowerCase().includes(query) ||
            u.nickname.toLowerCase().includes(query)),
      )
      .slice(0, input.limit);
  }

  async updateAccount<E extends ErrorCode>(input: {
    userId: UserId;
    change: AccountChange | ((locked: LockedAccount) => AccountChange);
    now: Date;
    guard: (account: GuardedAccount) => Result<void, E>;
  }): Promise<Result<User, "USER_NOT_FOUND" | E>> {
    const guarded = this.#guard(input.userId, input.guard);
    if (!guarded.ok) return guarded;
    const change =
      typeof input.change === "function"
        ? input.change({
            user: guarded.value,
            disabledReason: this.#disabledReasons.get(input.userId) ?? null,
          })
        : input.change;
    const { disabledReason, ...onUser } = change;
    if (disabledReason !== undefined) this.#disabledReasons.set(input.userId, disabledReason);
    const changed: User = { ...guarded.value, ...onUser, updatedAt: input.now };
    this.#stores.users.replaceUser(changed);
    return ok(changed);
  }

  async deleteAccount<E extends ErrorCode>(input: {
    userId: UserId;
    pseudonymId: UserId;
    guard: (account: GuardedAccount) => Result<void, E>;
  }): Promise<Result<User, "USER_NOT_FOUND" | E>> {
    const guarded = this.#guard(input.userId, input.guard);
    if (!guarded.ok) return guarded;
    const user = guarded.value;
    const s = this.#stores;
    s.securityEvents.anonymiseUser({ userId: user.id, pseudonymId: input.pseudonymId });
    const sessionIds = s.sessions.forgetUser(user.id);
    s.linkedProviders.forgetUser(user.id);
    s.twoFactor.forgetUser(user.id);
    s.emailTokens.forgetUser(user.id);
    s.lockout.forgetUser({ userId: user.id, account: user.email });
    s.oauthFlows.forgetUser(user.id, sessionIds);
    s.maintenanceNotices.replaceSetter({ userId: user.id, pseudonymId: input.pseudonymId });
    s.users.deleteUser(user.id);
    this.#disabledReasons.delete(user.id);
    return ok(user);
  }

  async findDisabledReason(userId: UserId): Promise<string | null> {
    if ((await this.#stores.users.findUserById(userId)) === null) return null;
    return this.#disabledReasons.get(userId) ?? null;
  }

  async listActiveAdminIds(): Promise<UserId[]> {
    return this.#stores.users
      .allUsers()
      .filter(isActiveAdmin)
      .map((u) => u.id);
  }

  async findAccountLockedUntil(input: { account: string; now: Date }): Promise<Date | null> {
    return this.#stores.lockout.lockedUntil(input);
  }

  async listStaffActions(input: { limit: number; beforeId?: string }): Promise<SecurityEvent[]> {
    return this.#stores.securityEvents.listStaffActions(input);
  }

  async listActionsBy(input: {
    actorId: UserId;
    limit: number;
    beforeId?: string;
  }): Promise<SecurityEvent[]> {
    return this.#stores.securityEvents.listActionsBy(input);
  }

  #guard<E extends ErrorCode>(
    userId: UserId,
    guard: (account: GuardedAccount) => Result<void, E>,
  ): Result<User, "USER_NOT_FOUND" | E> {
    const users = this.#stores.users.allUsers();
    const user = users.find((u) => u.id === userId);
    if (user === undefined) return err("USER_NOT_FOUND", "No user with this id");
    const allowed = guard({ user, activeAdminIds: users.filter(isActiveAdmin).map((u) => u.id) });
    if (!allowed.ok) return allowed;
    return ok(user);
  }
}

/** Third-party grants as a list of the users whose grants were revoked. */
export class InMemoryThirdPartyGrants implements ThirdPartyGrants {
  readonly revokedUserIds: UserId[] = [];
  async revokeGrantsOfUser(input: { userId: UserId }): Promise<void> {
    this.revokedUserIds.push(input.userId);
  }
}

/** Exports as a set of users who have some. */
export class InMemoryUserExports implements UserExports {
  readonly usersWithExports = new Set<UserId>();
  async removeExportsOfUser(input: { userId: UserId }): Promise<void> {
    this.usersWithExports.delete(input.userId);
  }
}

/** The maintenance notice in a field. */
export class InMemoryMaintenanceNotices implements MaintenanceNotices {
  #notice: MaintenanceNotice | null = null;
  async current(): Promise<MaintenanceNotice | null> {
    return this.#notice;
  }
  async replace(notice: MaintenanceNotice | null): Promise<void> {
    this.#notice = notice;
  }
  /** A deleted account's notice names its pseudonym, as the SQL store's deletion does. */
  replaceSetter(input: { userId: UserId; pseudonymId: UserId }): void {
    if (this.#notice?.setBy === input.userId) this.#notice = { ...this.#notice, setBy: input.pseudonymId };
  }
}
