import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import {
  type AccessTokenClaims,
  type AccessTokenIssuer,
  activeSigningKey,
  type SigningAlgorithm,
  type SigningKeySet,
  signingAlgorithms,
} from "@superoauth/application";
import { err, ok, type Result, type SessionId, type UserId } from "@superoauth/domain";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";

/** Where the signing keys come from, and how often they are read again (ADR 0021). */
export interface AccessTokenKeys {
  /** The key set read at start (loadSigningKeys), and when. */
  readonly initial: SigningKeySet;
  readonly loadedAt: Date;
  /** Reads the key set again from the database. */
  reload(): Promise<SigningKeySet>;
  /**
   * A key set read this long ago is read again before the next token is signed or verified, so a
   * rotation or a removal made by another instance (or `pnpm keys:rotate`) takes effect here.
   */
  readonly maxAgeMs: number;
  /**
   * A token naming an unknown kid (signed by a key another instance just added) reads the key set
   * again, at most once per this many milliseconds: a flood of made-up kids costs one read per period.
   */
  readonly unknownKidReloadGapMs: number;
  /**
   * How long a request waits for a read of the key set that is due by age (default 1 s). The read
   * takes milliseconds, and a rotation or removal is seen by the very request that starts it; a
   * database that hangs would hold the request the driver's 5 s, before the request's own database
   * work waits as long again, so past this the request goes on with the keys already held and the
   * read finishes (or fails) on its own.
   */
  readonly reloadWaitMs?: number;
  /** Told when reading the key set again failed; the keys already held keep working meanwhile. */
  onReloadError?(error: unknown): void;
}

/** How access tokens are signed and what they claim. */
export interface AccessTokenSettings {
  readonly keys: AccessTokenKeys;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

// We sign with ES256; a token verifies only with the key its kid names, and only with that key's
// own algorithm, one of these: pinning them is what makes `alg: none`, HS256 signed with a public
// key, or HS256 signed with the old JWT_SECRET fail (RFC 8725 section 3.1).
const signingAlgorithm: SigningAlgorithm = "ES256";
const acceptedAlgorithms: ReadonlySet<string> = new Set(signingAlgorithms);
// RFC 9068 media type for JWT access tokens; other token kinds use other types,
// so one kind can never pass for another.
const accessTokenType = "at+jwt";
/**
 * Tokens whose signature and claims were verified, kept by their full text (signature included),
 * at most this many (the oldest goes first): about 4 MB of tokens.
 */
const verifiedTokensKept = 10_000;
/** AccessTokenKeys.reloadWaitMs's default. */
const defaultReloadWaitMs = 1_000;

/** A token this instance verified: what it claims, until when, and under which key. */
interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  readonly kid: string;
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
  /** `iat`, in seconds since the epoch. */
  readonly issuedAt: number;
}

interface ImportedKey {
  readonly algorithm: SigningAlgorithm;
  readonly publicKey: KeyObject;
}

interface ImportedKeySet {
  readonly byKid: ReadonlyMap<string, ImportedKey>;
  /** The set itself: the signer is chosen in it by each token's time (a rotated-in key is published before it signs). */
  readonly set: SigningKeySet;
  /** The private keys of the set's ES256 keys, by kid. */
  readonly privateKeys: ReadonlyMap<string, KeyObject>;
}

/** The issuer, and the key set it holds, read again on the same schedule, for `/oidc/jwks`. */
export interface JWTAccessTokenIssuer extends AccessTokenIssuer {
  /**
   * The keys this instance signs and verifies with, read again first when due (`maxAgeMs`): what
   * it must publish, so a service verifying its tokens locally finds every kid it signs with.
   */
  currentKeySet(now: Date): Promise<SigningKeySet>;
}

/**
 * Signs access tokens with the newest ES256 key (kid in the header) and verifies them against
 * every published key by kid. Keys are imported once per key set (KeyObjects, which jose uses as
 * they are): no database read and no key import per token, except when the key set is due to be
 * read again.
 */
export function createJWTAccessTokenIssuer(settings: AccessTokenSettings): JWTAccessTokenIssuer {
  const { keys } = settings;
  let current = importKeySet(keys.initial);
  let currentSet = keys.initial;
  let lastReadAt = keys.loadedAt.getTime();
  let reading: Promise<void> | null = null;

  const readAgain = (now: Date): Promise<void> => {
    reading ??= (async () => {
      lastReadAt = now.getTime();
      try {
        const read = await keys.reload();
        current = importKeySet(read);
        currentSet = read;
      } catch (error) {
        keys.onReloadError?.(error);
      } finally {
        reading = null;
      }
    })();
    return reading;
  };
  /** A pending read when the key set is due (too old, or asked for by an unknown kid); null otherwise. */
  const readIfDue = (now: Date, gapMs: number): Promise<void> | null =>
    reading ?? (now.getTime() - lastReadAt >= gapMs ? readAgain(now) : null);
  const reloadWaitMs = keys.reloadWaitMs ?? defaultReloadWaitMs;
  /** Reads the key set again when it is old, waiting for the read at most `reloadWaitMs`. */
  const freshenIfOld = async (now: Date): Promise<void> => {
    const due = readIfDue(now, keys.maxAgeMs);
    if (due === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([due, new Promise<void>((resolve) => (timer = setTimeout(resolve, reloadWaitMs)))]);
    clearTimeout(timer);
  };
  const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
  // A token issued ahead of this clock (by a fast instance, or by this one before NTP stepped it
  // back) lives, by its exp, its lifetime plus the step: a year after a year's step, on a session
  // nobody revoked. It counts as old as it is far ahead (timeSince, ADR 0055): a few seconds ahead
  // (skew between instances) is accepted, a lifetime ahead is expired, and the client refreshes.
  const issuedTooFarAhead = (issuedAt: number, now: Date): boolean =>
    issuedAt - seconds(now) >= settings.ttlSeconds;
  // An app presents the same access token on every request for its five minutes, and the ES256
  // verification is the largest part of an authenticated request's CPU (docs/performance.md,
  // issue 11). A token's signature and claims cannot change, so a token verified once is answered
  // from here while it is unexpired and its key is still held: a removed key still stops its tokens
  // at the next read of the key set, and the session is still read on every request (ADR 0003).
  const verified = new Map<string, VerifiedToken>();

  return {
    accessTokenTtlSeconds: settings.ttlSeconds,

    async currentKeySet(now) {
      await freshenIfOld(now);
      return currentSet;
    },

    async issueAccessToken({ userId, sessionId, now }) {
      await freshenIfOld(now);
      const kid = activeSigningKey(current.set, signingAlgorithm, now)?.kid ?? "";
      const privateKey = current.privateKeys.get(kid);
      if (privateKey === undefined) throw new Error(`The signing key set has no ${signingAlgorithm} key`);
      return new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: signingAlgorithm, kid, typ: accessTokenType })
        .setSubject(userId)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(seconds(now))
        .setExpirationTime(seconds(now) + settings.ttlSeconds)
        .sign(privateKey);
    },

    async verifyAccessToken({
      token,
      now,
    }): Promise<Result<AccessTokenClaims, "TOKEN_EXPIRED" | "INVALID_TOKEN">> {
      await freshenIfOld(now);
      const known = verified.get(token);
      if (known !== undefined && current.byKid.has(known.kid)) {
        // As jose decides it: expired from `exp` on (no clock tolerance).
        if (known.expiresAt > seconds(now) && !issuedTooFarAhead(known.issuedAt, now))
          return ok(known.claims);
        verified.delete(token);
        return tokenExpired();
      }
      let kid: unknown;
      let alg: unknown;
      try {
        ({ kid, alg } = decodeProtectedHeader(token));
      } catch {
        return invalidToken();
      }
      if (typeof kid !== "string" || typeof alg !== "string" || !acceptedAlgorithms.has(alg)) {
        return invalidToken();
      }
      let key = current.byKid.get(kid);
      if (key === undefined) {
        await readIfDue(now, keys.unknownKidReloadGapMs);
        key = current.byKid.get(kid);
        if (key === undefined) return invalidToken();
      }
      try {
        const { payload } = await jwtVerify(token, key.publicKey, {
          algorithms: [key.algorithm],
          typ: accessTokenType,
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ["sub", "sid", "exp", "iat"],
          currentDate: now,
        });
        if (typeof payload.sub !== "string" || typeof payload.sid !== "string") {
          return err("INVALID_TOKEN", "Token is malformed");
        }
        // requiredClaims makes iat present; jose checked it is a number.
        if (issuedTooFarAhead(Number(payload.iat), now)) return tokenExpired();
        const claims = { userId: payload.sub as UserId, sessionId: payload.sid as SessionId };
        if (verified.size >= verifiedTokensKept) {
          const oldest = verified.keys().next();
          if (oldest.done !== true) verified.delete(oldest.value);
        }
        // requiredClaims makes exp present; jose checked it is a number.
        verified.set(token, { claims, kid, expiresAt: Number(payload.exp), issuedAt: Number(payload.iat) });
        return ok(claims);
      } catch (error) {
        return translateJoseError(error);
      }
    },
  };
}

/** Imports every key of a set once; throws when the set has no ES256 key that signs now or will. */
function importKeySet(set: SigningKeySet): ImportedKeySet {
  // Every ES256 key still listed (a few at most): the one that signs is chosen by each token's time.
  const signers = set.keys.filter((key) => key.algorithm === signingAlgorithm);
  if (!signers.some((key) => key.retiredAt === null)) {
    throw new Error(`The signing key set has no ${signingAlgorithm} key`);
  }
  const byKid = new Map<string, ImportedKey>();
  for (const key of set.keys) {
    byKid.set(key.kid, {
      algorithm: key.algorithm,
      publicKey: createPublicKey({ key: { ...key.publicJWK }, format: "jwk" }),
    });
  }
  return {
    byKid,
    set,
    privateKeys: new Map(
      signers.map((key) => [key.kid, createPrivateKey({ key: { ...key.privateJWK }, format: "jwk" })]),
    ),
  };
}

function invalidToken(): Result<never, "INVALID_TOKEN"> {
  return err("INVALID_TOKEN", "Token is malformed, invalid or of the wrong type");
}

/** Maps jose's failures by code; anything that is not a jose error is a bug and is rethrown. */
function tokenExpired(): Result<never, "TOKEN_EXPIRED"> {
  return err("TOKEN_EXPIRED", "Access token has expired");
}

function translateJoseError(error: unknown): Result<never, "TOKEN_EXPIRED" | "INVALID_TOKEN"> {
  if (!(error instanceof errors.JOSEError)) throw error;
  switch (error.code) {
    case "ERR_JWT_EXPIRED":
      return tokenExpired();
    default:
      return invalidToken();
  }
}
