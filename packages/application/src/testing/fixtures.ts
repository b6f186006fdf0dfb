import type {
  Email,
  Nickname,
  RefreshToken,
  RefreshTokenId,
  Session,
  SessionId,
  User,
  UserId,
} from "@superoauth/domain";
import type { StoredApp } from "../ports/index.ts";

let sequence = 0;
/** A UUID-shaped id unique within the test process (time-ordered enough for tests). */
export function testId(): string {
  sequence++;
  const random = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, "0");
  return `0190a000-0000-7000-8000-${random}${sequence.toString(16).padStart(4, "0")}`.slice(0, 36);
}

/** Millisecond-precision UTC dates, as stored. */
export const t0 = new Date("2026-03-01T12:00:00.123Z");
export function at(offsetMs: number): Date {
  return new Date(t0.getTime() + offsetMs);
}

export function makeUser(overrides: Partial<User> = {}): User {
  const id = testId();
  return {
    id: id as UserId,
    email: `user-${id}@example.com` as Email,
    emailVerified: false,
    nickname: "tester" as Nickname,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
    status: "active",
    role: "user",
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

/** A public app of `ownerId` allowed `openid` alone, as stored. */
export function makePublicApp(ownerId: UserId, overrides: Partial<StoredApp> = {}): StoredApp {
  return {
    clientId: `app-${testId()}`,
    ownerId,
    name: "App",
    logoURL: null,
    homepageURL: null,
    redirectURIs: ["https://app.example/cb"],
    postLogoutRedirectURIs: [],
    allowedScopes: ["openid"],
    type: "public",
    tokenEndpointAuthMethod: "none",
    idTokenSigningAlg: "ES256",
    requirePKCE: true,
    backchannelLogoutURI: null,
    secretHash: null,
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

export function makeSession(userId: UserId, overrides: Partial<Session> = {}): Session {
  return {
    id: testId() as SessionId,
    userId,
    createdAt: t0,
    lastUsedAt: t0,
    lastSeenAt: null,
    revokedAt: null,
    userAgent: "vitest",
    ip: "127.0.0.1",
    authenticatedAt: t0,
    authenticationMethods: ["pwd"],
    ...overrides,
  };
}

export function makeRefreshToken(sessionId: SessionId, overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: testId() as RefreshTokenId,
    sessionId,
    secretHash: `hash-${testId()}`,
    parentId: null,
    replacedById: null,
    createdAt: t0,
    expiresAt: at(7 * 24 * 3600 * 1000),
    rotatedAt: null,
    ...overrides,
  };
}
