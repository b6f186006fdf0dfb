import {
  type ErrorCode,
  err,
  type LinkedProvider,
  type OAuthProviderId,
  ok,
  type Result,
  type Session,
  type SessionId,
  type User,
  type UserId,
} from "@superoauth/domain";
import { DeletedMeanwhileError } from "../deleted-meanwhile-error.ts";
import type {
  LinkedProviderRepository,
  LinkGuard,
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  OAuthProviderGateway,
  ProviderProfile,
  SignInMethods,
} from "../ports/index.ts";
import type { InMemoryUserRepository } from "./in-memory.ts";

export class InMemoryLinkedProviderRepository implements LinkedProviderRepository {
  readonly #links: LinkedProvider[] = [];
  readonly #users: InMemoryUserRepository;
  readonly #sessions: { peekSession(id: SessionId): Session | null };

  /**
   * `users` is the store the links' users live in (the same as the dependencies' `users`), and
   * `sessions` the one a guarded link reads its session from.
   */
  constructor(users: InMemoryUserRepository, sessions: { peekSession(id: SessionId): Session | null }) {
    this.#users = users;
    this.#sessions = sessions;
  }

  #isTaken(link: LinkedProvider): boolean {
    return this.#links.some(
      (l) =>
        (l.provider === link.provider && l.subject === link.subject) ||
        (l.userId === link.userId && l.provider === link.provider),
    );
  }

  async linkProvider<E extends ErrorCode = never>(
    link: LinkedProvider,
    guard?: LinkGuard<E>,
  ): Promise<Result<void, "PROVIDER_ALREADY_LINKED" | E>> {
    // From the guard's read to the push nothing awaits: the in-memory counterpart of the lock.
    if (guard !== undefined) {
      const user = this.#users.peekUser(link.userId);
      const session =
        guard.sessionId === undefined ? null : (this.#sessions.peekSession(guard.sessionId) ?? null);
      const allowed = guard.mayLink(
        user === null
          ? null
          : { user, sessionLive: session?.userId === link.userId && session.revokedAt === null },
      );
      if (!allowed.ok) return allowed;
    }
    // As the SQL store's foreign key: a link of an account deleted meanwhile is refused.
    if (this.#users.peekUser(link.userId) === null) {
      throw new DeletedMeanwhileError({ cause: new Error("FOREIGN KEY constraint failed") });
    }
    if (this.#isTaken(link)) return err("PROVIDER_ALREADY_LINKED");
    this.#links.push({ ...link });
    return ok(undefined);
  }
  async createUserWithLinkedProvider(input: {
    user: User;
    link: LinkedProvider;
  }): Promise<Result<void, "USER_EXISTS" | "PROVIDER_ALREADY_LINKED">> {
    const inserted = await this.#users.insertUser(input.user);
    if (!inserted.ok) return inserted;
    // Nothing awaits between this check and the push, so no other call slips in; undo the user
    // as a rolled-back transaction would.
    if (this.#isTaken(input.link)) {
      this.#users.deleteUser(input.user.id);
      return err("PROVIDER_ALREADY_LINKED");
    }
    this.#links.push({ ...input.link });
    return ok(undefined);
  }
  /** Deletes the user's links (an account deletion). */
  forgetUser(userId: UserId): void {
    for (let i = this.#links.length - 1; i >= 0; i--)
      if (this.#links[i]?.userId === userId) this.#links.splice(i, 1);
  }
  async findLinkedProvider(input: {
    provider: OAuthProviderId;
    subject: string;
  }): Promise<LinkedProvider | null> {
    const link = this.#links.find((l) => l.provider === input.provider && l.subject === input.subject);
    return link === undefined ? null : { ...link };
  }
  async listLinkedProvidersOfUser(userId: UserId): Promise<LinkedProvider[]> {
    return this.#links
      .filter((l) => l.userId === userId)
      .sort((a, b) => a.linkedAt.getTime() - b.linkedAt.getTime())
      .map((l) => ({ ...l }));
  }
  async unlinkProvider(input: {
    userId: UserId;
    provider: OAuthProviderId;
    mayUnlink: (account: SignInMethods) => Result<void, "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">;
  }): Promise<Result<void, "USER_NOT_FOUND" | "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">> {
    const user = await this.#users.findUserById(input.userId);
    if (user === null) return err("USER_NOT_FOUND");
    // From here to the removal nothing awaits: the in-memory counterpart of locking the account.
    const linked = this.#links.filter((l) => l.userId === input.userId);
    const allowed = input.mayUnlink({ hasPassword: user.passwordHash !== null, linked });
    if (!allowed.ok) return allowed;
    const index = this.#links.findIndex((l) => l.userId === input.userId && l.provider === input.provider);
    if (index === -1) return err("PROVIDER_NOT_LINKED");
    this.#links.splice(index, 1);
    return ok(undefined);
  }
}

export class InMemoryOAuthFlowRepository implements OAuthFlowRepository {
  readonly #authorizations = new Map<string, OAuthAuthorization>();
  readonly #loginCodes = new Map<string, OAuthLoginCode>();

  async saveAuthorization(authorization: OAuthAuthorization): Promise<void> {
    this.#authorizations.set(authorization.stateHash, { ...authorization });
  }
  async consumeAuthorization(input: { stateHash: string; now: Date }): Promise<OAuthAuthorization | null> {
    return take(this.#authorizations, input.stateHash, input.now);
  }
  async saveLoginCode(code: OAuthLoginCode): Promise<void> {
    this.#loginCodes.set(code.codeHash, { ...code });
  }
  async consumeLoginCode(input: { codeHash: string; now: Date }): Promise<OAuthLoginCode | null> {
    return take(this.#loginCodes, input.codeHash, input.now);
  }
  /** Deletes the user's trips (a link names the user, a re-proof one of their sessions) and login codes (an account deletion). */
  forgetUser(userId: UserId, sessionIds: readonly SessionId[]): void {
    for (const [k, a] of [...this.#authorizations])
      if (
        a.linkUserId === userId ||
        (a.reauthenticateSessionId !== null && sessionIds.includes(a.reauthenticateSessionId))
      )
        this.#authorizations.delete(k);
    for (const [k, c] of [...this.#loginCodes]) if (c.userId === userId) this.#loginCodes.delete(k);
  }
  /** Test helper: how many records are waiting. */
  size(): { authorizations: number; loginCodes: number } {
    return { authorizations: this.#authorizations.size, loginCodes: this.#loginCodes.size };
  }
}

function take<T extends { expiresAt: Date }>(map: Map<string, T>, key: string, now: Date): T | null {
  const record = map.get(key);
  if (record === undefined) return null;
  map.delete(key);
  return now.getTime() < record.expiresAt.getTime() ? { ...record } : null;
}

type ExchangeResult = Awaited<ReturnType<OAuthProviderGateway["exchangeCodeForProfile"]>>;

/**
 * A provider that answers each code as a test scripted it. Unknown codes are
 * rejected like a provider rejects them (INVALID_AUTHORIZATION_CODE).
 */
export class ScriptedOAuthProviderGateway implements OAuthProviderGateway {
  readonly provider: OAuthProviderId;
  readonly supportsPKCE: boolean;
  readonly #answers = new Map<string, ExchangeResult>();
  /** Every exchange asked of it, for assertions on the verifier. */
  readonly exchanges: { code: string; codeVerifier: string | null }[] = [];

  constructor(provider: OAuthProviderId, options: { supportsPKCE?: boolean } = {}) {
    this.provider = provider;
    this.supportsPKCE = options.supportsPKCE ?? true;
  }
  createAuthorizationURL(input: { state: string; codeVerifier: string | null }): string {
    const challenge = input.codeVerifier === null ? "" : `&code_challenge=challenge-of-${input.codeVerifier}`;
    return `https://${this.provider}.example/authorize?state=${encodeURIComponent(input.state)}${challenge}`;
  }
  async exchangeCodeForProfile(input: {
    code: string;
    codeVerifier: string | null;
  }): Promise<ExchangeResult> {
    this.exchanges.push({ ...input });
    return this.#answers.get(input.code) ?? err("INVALID_AUTHORIZATION_CODE");
  }
  /** Makes `code` yield this profile (filled in from defaults) or this failure. */
  answer(code: string, outcome: Partial<Omit<ProviderProfile, "provider">> | ExchangeResult): void {
    if ("ok" in outcome) {
      this.#answers.set(code, outcome as ExchangeResult);
      return;
    }
    this.#answers.set(
      code,
      ok({
        provider: this.provider,
        subject: "subject-1",
        email: "ada@example.com",
        emailVerified: true,
        displayName: "Ada Lovelace",
        avatarURL: null,
        ...outcome,
      }),
    );
  }
}
