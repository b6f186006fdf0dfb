import type {
  ErrorCode,
  LinkedProvider,
  OAuthProviderId,
  Result,
  SessionId,
  User,
  UserId,
} from "@superoauth/domain";

/** What a provider says about the person who signed in, the same shape for every provider. */
export interface ProviderProfile {
  readonly provider: OAuthProviderId;
  /** The provider's stable user id. */
  readonly subject: string;
  /** As the provider gives it (not normalised); null when it gives none. */
  readonly email: string | null;
  /** Whether the provider vouches that the person controls `email`. */
  readonly emailVerified: boolean;
  readonly displayName: string | null;
  readonly avatarURL: string | null;
}

/**
 * One configured identity provider (Arctic in production). Every upstream
 * failure comes back as a result, translated by the adapter; it never throws
 * for the provider's misbehaviour.
 */
export interface OAuthProviderGateway {
  readonly provider: OAuthProviderId;
  /** Whether the provider takes a PKCE code verifier (RFC 7636, S256). */
  readonly supportsPKCE: boolean;
  /** The URL to send the browser to; scopes and redirect URI are the gateway's configuration. */
  createAuthorizationURL(input: { state: string; codeVerifier: string | null }): string;
  exchangeCodeForProfile(input: {
    code: string;
    codeVerifier: string | null;
  }): Promise<
    Result<ProviderProfile, "INVALID_AUTHORIZATION_CODE" | "TOKEN_EXCHANGE_FAILED" | "USER_INFO_FAILED">
  >;
}

/** An account's ways to sign in, as the "keep at least one" rule sees them. */
export interface SignInMethods {
  readonly hasPassword: boolean;
  readonly linked: readonly LinkedProvider[];
}

/** The account a link is written to, as the link's write reads it under the account's lock. */
export interface LinkHolder {
  readonly user: Pick<User, "email" | "emailVerified" | "passwordHash" | "status">;
  /** With the guard's `sessionId`: whether that session is the user's and not ended. */
  readonly sessionLive: boolean;
}

/** What a link is written over: the guard decides on the account (and session) as they are then. */
export interface LinkGuard<E extends ErrorCode> {
  /** The session whose liveness the guard is told (`sessionLive`): a link made from a session. */
  readonly sessionId?: SessionId;
  /** Null: the account is gone. A refusal writes nothing and is answered as it is. */
  readonly mayLink: (holder: LinkHolder | null) => Result<void, E>;
}

/**
 * Provider identities linked to users. Uniqueness is the store's: one user per
 * (provider, subject) and one identity per (user, provider), by unique index.
 */
export interface LinkedProviderRepository {
  /**
   * Writes the link. With `guard`, the account's row (and the guard's session) is read under the
   * account's lock first, and the guard decides whether the link may be written at all: a change
   * that ends the session or changes the account (a sign-out, a new password, an undone change of
   * address, a disable) either commits before, and the guard sees it, or after, over the link, as
   * if the link had come first. Without one, a link of a deleted account throws
   * DeletedMeanwhileError (the foreign key).
   */
  linkProvider<E extends ErrorCode = never>(
    link: LinkedProvider,
    guard?: LinkGuard<E>,
  ): Promise<Result<void, "PROVIDER_ALREADY_LINKED" | E>>;
  /**
   * Creates the user and links the identity to it, atomically: both or neither,
   * so a failed link never leaves an account nobody can sign in to. USER_EXISTS
   * when the email is taken (checked first), PROVIDER_ALREADY_LINKED when the identity is.
   */
  createUserWithLinkedProvider(input: {
    user: User;
    link: LinkedProvider;
  }): Promise<Result<void, "USER_EXISTS" | "PROVIDER_ALREADY_LINKED">>;
  findLinkedProvider(input: { provider: OAuthProviderId; subject: string }): Promise<LinkedProvider | null>;
  /** Oldest link first. */
  listLinkedProvidersOfUser(userId: UserId): Promise<LinkedProvider[]>;
  /**
   * Removes the user's link to `provider` if `mayUnlink` (the domain's rule)
   * allows it, judged on the account as it is at that moment: removals for one
   * user take turns, so two at once cannot each count on the other's provider.
   */
  unlinkProvider(input: {
    userId: UserId;
    provider: OAuthProviderId;
    mayUnlink: (account: SignInMethods) => Result<void, "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">;
  }): Promise<Result<void, "USER_NOT_FOUND" | "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">>;
}

/** A trip to a provider that has not come back yet, stored under a hash of its `state`. */
export interface OAuthAuthorization {
  readonly stateHash: string;
  readonly provider: OAuthProviderId;
  /** The signed-in user who asked to link; null for signing in. */
  readonly linkUserId: UserId | null;
  /**
   * The session that asked to link (with linkUserId): the callback links only while it is live.
   * Null otherwise, and on link trips started before it was recorded, which the callback refuses.
   */
  readonly linkSessionId: SessionId | null;
  /** Hash of the front end's S256 `code_challenge`, handed on to the login code; null when linking. */
  readonly codeChallengeHash: string | null;
  /** The session that asked to re-authenticate through the provider; null otherwise. */
  readonly reauthenticateSessionId: SessionId | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** A one-time code that a browser trades for tokens after signing in through a provider. */
export interface OAuthLoginCode {
  readonly codeHash: string;
  readonly userId: UserId;
  readonly provider: OAuthProviderId;
  /** Hash of the `code_challenge` the sign-in started with: only its verifier may trade the code. */
  readonly codeChallengeHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The single-use records of the OAuth flow: authorization states and login codes. */
export interface OAuthFlowRepository {
  saveAuthorization(authorization: OAuthAuthorization): Promise<void>;
  /**
   * Removes and returns the authorization if it exists and has not expired at
   * `now`. Of concurrent calls for one state at most one gets it: a state works once.
   */
  consumeAuthorization(input: { stateHash: string; now: Date }): Promise<OAuthAuthorization | null>;
  saveLoginCode(code: OAuthLoginCode): Promise<void>;
  /** Like consumeAuthorization: a login code works once, and only before it expires. */
  consumeLoginCode(input: { codeHash: string; now: Date }): Promise<OAuthLoginCode | null>;
}
