import {
  createUser,
  type ErrorCode,
  type Nickname,
  type OAuthProviderId,
  ok,
  parseEmail,
  parseRefreshToken,
  type RefreshTokenId,
  type Result,
  type Role,
  type Session,
  type SessionId,
  type User,
  type UserId,
} from "@superoauth/domain";
import {
  type Dependencies,
  type StoredRefreshToken,
  storageRepositoryNames,
  type TransactionalRepositories,
  type Transactions,
} from "../ports/index.ts";
import {
  type Authenticated,
  authenticateAccessToken,
} from "../use-cases/sessions/authenticate-access-token.ts";
import { refreshSession } from "../use-cases/sessions/refresh-session.ts";
import {
  type ClientInfo,
  handOverSession,
  type SignedIn,
  storeNewSession,
} from "../use-cases/sessions/steps/start-session.ts";
import { registerWithPassword } from "../use-cases/sign-in/register-with-password.ts";
import type { SignInOutcome } from "../use-cases/sign-in/steps/continue-after-first-factor.ts";

/** Meets every rule of the password policy. */
export const strongPassword = "Correct-horse-battery-1!";

/** The value of a result the test expects to succeed; fails the test with the error code otherwise. */
export function unwrap<T>(result: Result<T, ErrorCode>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error}: ${result.message ?? ""}`);
  return result.value;
}

/**
 * What a session's two tokens get now: the error code of each refusal, or "ok". A session that has
 * ended answers `{ access: "INVALID_TOKEN", refresh: "INVALID_REFRESH_TOKEN" }`. The refresh is
 * tried after the access token, so a live session is rotated by the call.
 */
export async function sessionTokensOutcome(
  deps: Dependencies,
  tokens: { readonly accessToken: string; readonly refreshToken: string },
): Promise<{ access: ErrorCode | "ok"; refresh: ErrorCode | "ok" }> {
  const access = await authenticateAccessToken(deps, { token: tokens.accessToken });
  const refresh = await refreshSession(deps, { refreshToken: tokens.refreshToken });
  return { access: access.ok ? "ok" : access.error, refresh: refresh.ok ? "ok" : refresh.error };
}

/** The session of a sign-in the test expects to succeed without a second-factor step. */
export function unwrapSignedIn(result: Result<SignInOutcome, ErrorCode>): SignedIn {
  const value = unwrap(result);
  if ("mfaRequired" in value) throw new Error("expected a session, got a second-factor challenge");
  return value;
}

/** The id part of a refresh token as handed to a client. */
export function refreshTokenIdOf(presented: string): RefreshTokenId {
  const parsed = parseRefreshToken(presented);
  if (parsed === null) throw new Error(`not a refresh token: ${presented}`);
  return parsed.id;
}

/** What the store holds for a refresh token handed to a client. */
export async function storedRefreshToken(deps: Dependencies, presented: string): Promise<StoredRefreshToken> {
  const stored = await deps.sessions.findRefreshToken(refreshTokenIdOf(presented));
  if (stored === null) throw new Error(`refresh token not stored: ${presented}`);
  return stored;
}

/**
 * Marks the account's address verified, as its mailed link would; returns the user as stored now
 * (one to pass on where the verified user is asked for, as registerApp's owner).
 */
export async function verifyAddress(
  deps: Pick<Dependencies, "users" | "clock">,
  userId: UserId,
): Promise<User> {
  await deps.users.markEmailVerified({ userId, now: deps.clock.now() });
  const user = await deps.users.findUserById(userId);
  if (user === null) throw new Error(`no user ${userId}`);
  return user;
}

/**
 * Registers an account through the use case, its address verified too with `verified` (as its
 * mailed link would); returns its user as stored, its tokens and the session they belong to (and its id).
 */
export async function registerAccount(
  deps: Dependencies,
  input: { email?: string; password?: string; nickname?: string; verified?: boolean } = {},
): Promise<SignedIn & { session: Session; sessionId: SessionId }> {
  const signedIn = unwrap(
    await registerWithPassword(deps, {
      email: input.email ?? "ada@example.com",
      password: input.password ?? strongPassword,
      nickname: input.nickname ?? "ada",
      client: { userAgent: "vitest", ip: "127.0.0.1" },
    }),
  );
  const stored = await storedRefreshToken(deps, signedIn.refreshToken);
  const user = input.verified === true ? await verifyAddress(deps, signedIn.user.id) : signedIn.user;
  return { ...signedIn, user, session: stored.session, sessionId: stored.session.id };
}

/** `name@example.com`, signed in, with the role given (set in the store, as `pnpm admin:create` does). */
export async function signedInWithRole(
  deps: Dependencies,
  name: string,
  role: Role = "user",
): Promise<Authenticated> {
  const account = await registerAccount(deps, { email: `${name}@example.com`, nickname: name });
  if (role !== "user") {
    await deps.accountAdministration.updateAccount({
      userId: account.user.id,
      change: { role },
      now: deps.clock.now(),
      guard: () => ok(undefined),
    });
  }
  return unwrap(await authenticateAccessToken(deps, { token: account.accessToken }));
}

/** Links a provider identity to the account, as a link made from the account (or a sign-up) stores it. */
export async function linkIdentity(
  deps: Pick<Dependencies, "linkedProviders" | "clock">,
  input: { userId: UserId; provider: OAuthProviderId; subject: string; displayName?: string },
): Promise<void> {
  await deps.linkedProviders.linkProvider({
    provider: input.provider,
    subject: input.subject,
    userId: input.userId,
    email: null,
    displayName: input.displayName ?? null,
    linkedAt: deps.clock.now(),
  });
}

/** An account that signs in only through a provider (no password), with one session open. */
export async function accountWithoutPassword(
  deps: Dependencies,
  input: { email: string; nickname: string; client: ClientInfo },
): Promise<SignedIn & { session: Session }> {
  const user = createUser({
    id: deps.random.generateId() as UserId,
    email: unwrap(parseEmail(input.email)),
    nickname: input.nickname as Nickname,
    passwordHash: null,
    now: deps.clock.now(),
  });
  unwrap(await deps.users.insertUser(user));
  const signedIn = await handOverSession(
    deps,
    unwrap(
      await storeNewSession(deps, {
        user,
        client: input.client,
        now: deps.clock.now(),
        authenticationMethods: ["pwd"],
      }),
    ),
  );
  const { session } = unwrap(await authenticateAccessToken(deps, { token: signedIn.accessToken }));
  return { ...signedIn, session };
}

/**
 * Notes, for each access token signed and each mail sent through `deps`, whether a transaction of
 * `transactions` was running: both must wait for its commit (ADR 0056: a mail cannot be taken back,
 * and signing may read the key set through the storage's own connection).
 */
export function noteWhatWaitsForTheCommit(
  deps: Dependencies,
  transactions: { readonly inside: boolean },
): { readonly signedInside: boolean[]; readonly mailedInside: boolean[] } {
  const signedInside: boolean[] = [];
  const mailedInside: boolean[] = [];
  const sign = deps.accessTokens.issueAccessToken.bind(deps.accessTokens);
  deps.accessTokens.issueAccessToken = (input) => {
    signedInside.push(transactions.inside);
    return sign(input);
  };
  const send = deps.mailer.sendMail.bind(deps.mailer);
  deps.mailer.sendMail = (mail) => {
    mailedInside.push(transactions.inside);
    return send(mail);
  };
  return { signedInside, mailedInside };
}

/**
 * Transactions that hand `work` the dependencies' own repositories, each call made through them
 * noted in `calls` as "repository.method": which writes a use case holds in one transaction (that
 * a transaction holds them together is transactionsContract's to test).
 */
export function recordingTransactions(
  deps: Dependencies,
): Transactions & { readonly calls: string[]; readonly inside: boolean } {
  const calls: string[] = [];
  let running = 0;
  const noted = <R extends object>(name: string, repository: R): R =>
    new Proxy(repository, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(`${name}.${String(key)}`);
          return value.apply(target, args);
        };
      },
    });
  return {
    calls,
    /** Whether a transaction's work is running now: what must wait for the commit checks it. */
    get inside() {
      return running > 0;
    },
    run: async (work) => {
      running += 1;
      try {
        return await work(
          Object.fromEntries(
            storageRepositoryNames.map((name) => [name, noted(name, deps[name])]),
          ) as unknown as TransactionalRepositories,
        );
      } finally {
        running -= 1;
      }
    },
  };
}

/**
 * Runs `change` once, right after the next password verification (or hash) is computed: where a
 * concurrent change (a disable, a new password, a deletion) really lands, inside argon2id's time.
 */
export function afterNextHashing(
  deps: Pick<Dependencies, "passwordHasher">,
  method: "verifyPassword" | "hashPassword",
  change: () => void,
): void {
  const hasher = deps.passwordHasher;
  const original = hasher[method].bind(hasher) as (input: never) => Promise<never>;
  hasher[method] = (async (input: never) => {
    const result = await original(input);
    hasher[method] = original as never;
    change();
    return result;
  }) as never;
}
