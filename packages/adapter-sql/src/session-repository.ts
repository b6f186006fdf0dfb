import type {
  SessionHolder,
  SessionRepository,
  SessionsToEnd,
  StoredRefreshToken,
} from "@superoauth/application";
import {
  type AuthenticationMethod,
  type ErrorCode,
  isAuthenticationMethod,
  ok,
  type RefreshToken,
  type RefreshTokenId,
  type Result,
  type Session,
  type SessionId,
  type TwoFactorStatus,
  type User,
  type UserId,
  type UserStatus,
} from "@superoauth/domain";
import type { Kysely, Transaction } from "kysely";
import type {
  Database,
  NewRefreshTokenRow,
  NewSessionRow,
  RefreshTokenRow,
  SessionRow,
  UserRow,
} from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { precompileQuery } from "./precompiled-query.ts";
import { runInTransaction } from "./run-in-transaction.ts";
import { unusedBackupCodeCount } from "./two-factor-repository.ts";
import { mapUserRow } from "./user-repository.ts";

/** Column widths from the migrations; longer client-supplied values are cut to fit. */
const maxUserAgentLength = 512;
const maxIpLength = 64;

/**
 * The SessionRepository port over SQL. Writes that touch two rows run in one
 * transaction; given a Transaction, the repository takes part in it instead.
 */
export function createSessionRepository(context: SQLContext): SessionRepository {
  const { db, dialect } = context;
  // The reads of every authenticated request and of every refresh, compiled once (precompiled-query.ts).
  const sessionWithUser = precompileQuery(
    db,
    ["sessionId", "userId"],
    (input: { sessionId: SessionId; userId: UserId }) => selectSessionWithUser(db, input),
  );
  const unusedBackupCodes = precompileQuery(db, ["userId"], (input: { userId: UserId }) =>
    unusedBackupCodeCount(db, input.userId),
  );
  const refreshTokenWithSession = precompileQuery(db, ["id"], (input: { id: RefreshTokenId }) =>
    db
      .selectFrom("refresh_tokens as token")
      .innerJoin("sessions as session", "session.id", "token.session_id")
      .innerJoin("users as user", "user.id", "session.user_id")
      .leftJoin("refresh_tokens as successor", "successor.id", "token.replaced_by_id")
      .selectAll("user")
      .select([
        "token.id as token_id",
        "token.session_id as token_session_id",
        "token.secret_hash as token_secret_hash",
        "token.parent_id as token_parent_id",
        "token.replaced_by_id as token_replaced_by_id",
        "token.created_at as token_created_at",
        "token.expires_at as token_expires_at",
        "token.rotated_at as token_rotated_at",
        "session.id as session_id",
        "session.user_id as session_user_id",
        ...sessionColumns,
        "successor.id as successor_id",
        "successor.session_id as successor_session_id",
        "successor.secret_hash as successor_secret_hash",
        "successor.parent_id as successor_parent_id",
        "successor.replaced_by_id as successor_replaced_by_id",
        "successor.created_at as successor_created_at",
        "successor.expires_at as successor_expires_at",
        "successor.rotated_at as successor_rotated_at",
        "successor.encrypted_secret as successor_encrypted_secret",
      ])
      .where("token.id", "=", input.id as RefreshTokenId),
  );
  // A refresh's writes (rotateRefreshToken), compiled once too.
  const insertRefreshToken = precompileQuery(
    db,
    [
      "id",
      "session_id",
      "secret_hash",
      "parent_id",
      "replaced_by_id",
      "created_at",
      "expires_at",
      "rotated_at",
      "encrypted_secret",
      "encrypted_secret_expires_at",
    ],
    (
      row: NewRefreshTokenRow & { encrypted_secret: string | null; encrypted_secret_expires_at: Date | null },
    ) => db.insertInto("refresh_tokens").values(row),
  );
  const markRotated = precompileQuery(
    db,
    ["now", "replacementId", "rotatedId"],
    (input: { now: Date; replacementId: RefreshTokenId; rotatedId: RefreshTokenId }) =>
      db
        .updateTable("refresh_tokens")
        .set({
          rotated_at: input.now,
          replaced_by_id: input.replacementId,
          encrypted_secret: null,
          encrypted_secret_expires_at: null,
        })
        .where("id", "=", input.rotatedId)
        .where("rotated_at", "is", null),
  );
  // The session was used at `now` (never moved back by a slower concurrent request).
  const touchSession = precompileQuery(
    db,
    ["now", "sessionId"],
    (input: { now: Date; sessionId: SessionId }) =>
      db
        .updateTable("sessions")
        .set({ last_used_at: input.now })
        .where("id", "=", input.sessionId)
        .where("last_used_at", "<", input.now),
  );
  const deleteRefreshToken = precompileQuery(db, ["id"], (input: { id: RefreshTokenId }) =>
    db.deleteFrom("refresh_tokens").where("id", "=", input.id),
  );
  return {
    async createSession<E extends ErrorCode = never>(input: {
      session: Session;
      refreshToken: RefreshToken;
      endSessions?: SessionsToEnd;
      holder?: (holder: SessionHolder | null) => Result<void, E>;
    }): Promise<Result<readonly SessionId[], E>> {
      const { session, endSessions } = input;
      return runInTransaction(context, async (trx) => {
        let ended: readonly SessionId[] = [];
        if (endSessions !== undefined || input.holder !== undefined) {
          // Sign-ins of one user take turns on the user's row (SQLite: on the database's write
          // lock), so each counts the sessions the previous one left, and sees the row as the
          // last change to it (a disable, a new password, a deletion) left it. On MySQL the
          // sessions are then read without a lock: locking a range of the user_id index would also
          // lock the gap next to it, and two users' sign-ins inserting into one gap deadlock. Under
          // REPEATABLE READ the read view starts with that plain read (in a transaction of its own,
          // as every sign-in runs it), after the row lock was granted, so it sees every sign-in
          // committed before.
          const holder = await dialect
            .forUpdate(
              trx.selectFrom("users").select(["status", "password_hash"]).where("id", "=", session.userId),
            )
            .executeTakeFirst();
          if (input.holder !== undefined) {
            const allowed = input.holder(
              holder === undefined
                ? null
                : { status: holder.status as UserStatus, passwordHash: holder.password_hash },
            );
            if (!allowed.ok) return allowed;
          }
        }
        if (endSessions !== undefined) {
          const live = await liveSessionsOf(trx, {
            userId: session.userId,
            usedSince: endSessions.usedSince,
            ...(endSessions.createdSince === undefined ? {} : { createdSince: endSessions.createdSince }),
          });
          // One conditional write per chosen session (the cap chooses one, as a rule): a sign-out
          // that ended it since the plain read (it takes no lock on the user) is waited for and
          // seen, and only the sessions this write ends are answered, so each ending is logged
          // once (ADR 0056). In id order, the order "log out everywhere" locks them in.
          const endedHere: SessionId[] = [];
          for (const id of [...endSessions.choose(live)].sort()) {
            const revoked = await trx
              .updateTable("sessions")
              .set({ revoked_at: session.createdAt })
              .where("id", "=", id)
              .where("revoked_at", "is", null)
              .executeTakeFirst();
            if (revoked.numUpdatedRows > 0n) endedHere.push(id);
          }
          ended = endedHere;
        }
        await trx.insertInto("sessions").values(toSessionRow(session)).execute();
        await trx.insertInto("refresh_tokens").values(toRefreshTokenRow(input.refreshToken)).execute();
        return ok(ended);
      });
    },

    async findSession(id: SessionId): Promise<Session | null> {
      const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : mapSessionRow(row);
    },

    async findSessionWithUser(input: {
      sessionId: SessionId;
      userId: UserId;
    }): Promise<{ user: User | null; session: Session | null }> {
      const [row] = (await sessionWithUser({ sessionId: input.sessionId, userId: input.userId })).rows;
      return row === undefined ? { user: null, session: null } : mapSessionWithUserRow(row);
    },

    async findSessionWithUserAndTwoFactorStatus(input: {
      sessionId: SessionId;
      userId: UserId;
    }): Promise<{ user: User | null; session: Session | null; twoFactor: TwoFactorStatus }> {
      // GET /auth/me: the user's row says whether 2FA is on (users.two_factor_enabled, kept with the
      // factor), so a user without it costs one statement; one with it, a second to count the
      // unused backup codes (ADR 0037).
      const [row] = (await sessionWithUser({ sessionId: input.sessionId, userId: input.userId })).rows;
      if (row === undefined) return { user: null, session: null, twoFactor: noTwoFactor };
      if (!row.two_factor_enabled) return { ...mapSessionWithUserRow(row), twoFactor: noTwoFactor };
      const [count] = (await unusedBackupCodes({ userId: input.userId })).rows;
      return {
        ...mapSessionWithUserRow(row),
        twoFactor: { enabled: true, backupCodesRemaining: Number(count?.remaining ?? 0) },
      };
    },

    async findRefreshToken(id: RefreshTokenId): Promise<StoredRefreshToken | null> {
      // One statement, so the token, its session, their user and the successor come from one
      // consistent read (a refresh needs all four: one round trip instead of two).
      const [row] = (await refreshTokenWithSession({ id })).rows;
      if (row === undefined) return null;
      const token = mapRefreshTokenRow({
        id: row.token_id,
        session_id: row.token_session_id,
        secret_hash: row.token_secret_hash,
        parent_id: row.token_parent_id,
        replaced_by_id: row.token_replaced_by_id,
        created_at: row.token_created_at,
        expires_at: row.token_expires_at,
        rotated_at: row.token_rotated_at,
      });
      const session = mapSessionRow({
        id: row.session_id,
        user_id: row.session_user_id,
        created_at: row.session_created_at,
        last_used_at: row.session_last_used_at,
        last_seen_at: row.session_last_seen_at,
        revoked_at: row.session_revoked_at,
        user_agent: row.session_user_agent,
        ip: row.session_ip,
        authenticated_at: row.session_authenticated_at,
        authentication_methods: row.session_authentication_methods,
      });
      // The left join yields all-null successor columns when there is none; its non-null columns tell.
      const successor =
        row.successor_id === null ||
        row.successor_session_id === null ||
        row.successor_secret_hash === null ||
        row.successor_created_at === null ||
        row.successor_expires_at === null
          ? null
          : mapRefreshTokenRow({
              id: row.successor_id,
              session_id: row.successor_session_id,
              secret_hash: row.successor_secret_hash,
              parent_id: row.successor_parent_id,
              replaced_by_id: row.successor_replaced_by_id,
              created_at: row.successor_created_at,
              expires_at: row.successor_expires_at,
              rotated_at: row.successor_rotated_at,
            });
      return {
        token,
        session,
        user: mapUserRow(row),
        successor,
        encryptedSuccessorSecret: row.successor_encrypted_secret,
      };
    },

    async rotateRefreshToken(input: {
      rotatedId: RefreshTokenId;
      replacement: RefreshToken;
      replacementSecret: { encrypted: string; expiresAt: Date } | null;
      now: Date;
    }): Promise<"rotated" | "already-rotated"> {
      // No transaction, three statements (and three round trips in a row on MySQL, two when the
      // touch overlaps): the replacement is stored first, unlinked, so no reader can reach it; the
      // conditional UPDATE then decides and links it in one statement, so a reader sees the
      // replacement and its kept secret together or neither. InnoDB lets one statement at a time
      // change the row (SQLite one writer at a time); the others find rotated_at set, change
      // nothing, and delete the replacement they stored. A crash between the two leaves an unlinked
      // row like the loser's: nothing links to it and its secret was never handed out, so no one
      // can present it (the prune clears its kept secret when the grace period ends). The rotated
      // token is nobody's live token any more, so its own kept secret goes in the same statement.
      await insertRefreshToken({
        ...toRefreshTokenRow(input.replacement),
        encrypted_secret: input.replacementSecret?.encrypted ?? null,
        encrypted_secret_expires_at: input.replacementSecret?.expiresAt ?? null,
      });
      const [marked] = await Promise.all([
        markRotated({ now: input.now, replacementId: input.replacement.id, rotatedId: input.rotatedId }),
        // Alongside the decision, as its own statement: a concurrent presentation of the token,
        // winner or not, is a use of the session all the same.
        touchSession({ sessionId: input.replacement.sessionId, now: input.now }),
      ]);
      if (marked.numAffectedRows === 1n) return "rotated";
      await deleteRefreshToken({ id: input.replacement.id });
      return "already-rotated";
    },

    async revokeSession(input: { sessionId: SessionId; now: Date }): Promise<boolean> {
      const ended = await db
        .updateTable("sessions")
        .set({ revoked_at: input.now })
        .where("id", "=", input.sessionId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return ended.numUpdatedRows > 0n;
    },

    async recordReauthentication(input: {
      sessionId: SessionId;
      now: Date;
      methods: readonly AuthenticationMethod[];
    }): Promise<void> {
      // Conditional, so a proof recorded by a concurrent request with a later clock is never undone.
      await db
        .updateTable("sessions")
        .set({ authenticated_at: input.now, authentication_methods: input.methods.join(" ") })
        .where("id", "=", input.sessionId)
        .where("revoked_at", "is", null)
        .where("authenticated_at", "<", input.now)
        .execute();
    },

    async recordSessionSeen(input: { sessionId: SessionId; now: Date }): Promise<void> {
      // Conditional, so a concurrent page with a later clock is never undone.
      await db
        .updateTable("sessions")
        .set({ last_seen_at: input.now })
        .where("id", "=", input.sessionId)
        .where((eb) => eb.or([eb("last_seen_at", "is", null), eb("last_seen_at", "<", input.now)]))
        .execute();
    },

    async revokeSessionsOfUser(input: {
      userId: UserId;
      now: Date;
      exceptSessionId?: SessionId;
      live?: { usedSince: Date; createdSince: Date };
    }): Promise<number> {
      const { exceptSessionId, live } = input;
      const unrevoked = () =>
        db
          .updateTable("sessions")
          .set({ revoked_at: input.now })
          .where("user_id", "=", input.userId)
          .where("revoked_at", "is", null)
          .$if(exceptSessionId !== undefined, (q) => q.where("id", "<>", exceptSessionId as SessionId));
      // The expired ones first, not counted; then the rest, live, counted (one opened meanwhile is
      // live, and counted).
      if (live !== undefined) {
        await unrevoked()
          .where((eb) =>
            eb.or([eb("last_used_at", "<", live.usedSince), eb("created_at", "<", live.createdSince)]),
          )
          .execute();
      }
      const result = await unrevoked().executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async listLiveSessionsOfUser(input: {
      userId: UserId;
      usedSince: Date;
      createdSince?: Date;
    }): Promise<Session[]> {
      return liveSessionsOf(db, input);
    },
  };
}

/** A user without 2FA (and an unknown user's status). */
const noTwoFactor: TwoFactorStatus = { enabled: false, backupCodesRemaining: 0 };

/**
 * One primary-key read of the user left-joined to the session (when it is theirs): every
 * authenticated request makes it, so it is one statement, not two.
 */
/** A session's columns besides its id and user, as the joined reads name them. */
const sessionColumns = [
  "session.created_at as session_created_at",
  "session.last_used_at as session_last_used_at",
  "session.last_seen_at as session_last_seen_at",
  "session.revoked_at as session_revoked_at",
  "session.user_agent as session_user_agent",
  "session.ip as session_ip",
  "session.authenticated_at as session_authenticated_at",
  "session.authentication_methods as session_authentication_methods",
] as const;

function selectSessionWithUser(db: Kysely<Database>, input: { sessionId: SessionId; userId: UserId }) {
  return db
    .selectFrom("users as user")
    .leftJoin("sessions as session", (join) =>
      join.on("session.id", "=", input.sessionId).onRef("session.user_id", "=", "user.id"),
    )
    .selectAll("user")
    .select(["session.id as session_id", ...sessionColumns])
    .where("user.id", "=", input.userId);
}

function mapSessionWithUserRow(
  row: UserRow & {
    session_id: string | null;
    session_created_at: Date | null;
    session_last_used_at: Date | null;
    session_last_seen_at: Date | null;
    session_revoked_at: Date | null;
    session_user_agent: string | null;
    session_ip: string | null;
    session_authenticated_at: Date | null;
    session_authentication_methods: string | null;
  },
): { user: User; session: Session | null } {
  const user = mapUserRow(row);
  if (
    row.session_id === null ||
    row.session_created_at === null ||
    row.session_last_used_at === null ||
    row.session_authenticated_at === null
  ) {
    return { user, session: null };
  }
  return {
    user,
    session: mapSessionRow({
      id: row.session_id,
      user_id: row.id,
      created_at: row.session_created_at,
      last_used_at: row.session_last_used_at,
      last_seen_at: row.session_last_seen_at,
      revoked_at: row.session_revoked_at,
      user_agent: row.session_user_agent,
      ip: row.session_ip,
      authenticated_at: row.session_authenticated_at,
      authentication_methods: row.session_authentication_methods ?? "",
    }),
  };
}

/**
 * The user's sessions that are not revoked, were used at or after `usedSince` and (when given)
 * opened at or after `createdSince`, most recently used first: what the sessions list shows and
 * what the session cap counts.
 */
async function liveSessionsOf(
  db: Kysely<Database> | Transaction<Database>,
  input: { userId: UserId; usedSince: Date; createdSince?: Date },
): Promise<Session[]> {
  const { createdSince } = input;
  const rows = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", input.userId)
    .where("revoked_at", "is", null)
    .where("last_used_at", ">=", input.usedSince)
    .$if(createdSince !== undefined, (q) => q.where("created_at", ">=", createdSince as Date))
    .orderBy("last_used_at", "desc")
    .orderBy("id", "desc")
    .execute();
  return rows.map(mapSessionRow);
}

function toSessionRow(session: Session): NewSessionRow {
  return {
    id: session.id,
    user_id: session.userId,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    last_seen_at: session.lastSeenAt,
    revoked_at: session.revokedAt,
    user_agent: session.userAgent === null ? null : truncateCharacters(session.userAgent, maxUserAgentLength),
    ip: session.ip === null ? null : truncateCharacters(session.ip, maxIpLength),
    authenticated_at: session.authenticatedAt,
    authentication_methods: session.authenticationMethods.join(" "),
  };
}

function toRefreshTokenRow(token: RefreshToken): NewRefreshTokenRow {
  return {
    id: token.id,
    session_id: token.sessionId,
    secret_hash: token.secretHash,
    parent_id: token.parentId,
    replaced_by_id: token.replacedById,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    rotated_at: token.rotatedAt,
  };
}

function mapSessionRow(row: SessionRow): Session {
  return {
    id: row.id as SessionId,
    userId: row.user_id as UserId,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    userAgent: row.user_agent,
    ip: row.ip,
    authenticatedAt: row.authenticated_at,
    // Names a later version might add are left out rather than misread.
    authenticationMethods: row.authentication_methods.split(" ").filter(isAuthenticationMethod),
  };
}

/** The encrypted secret kept for the grace period is the store's concern, not part of the domain's token. */
function mapRefreshTokenRow(
  row: Omit<RefreshTokenRow, "encrypted_secret" | "encrypted_secret_expires_at">,
): RefreshToken {
  return {
    id: row.id as RefreshTokenId,
    sessionId: row.session_id as SessionId,
    secretHash: row.secret_hash,
    parentId: row.parent_id as RefreshTokenId | null,
    replacedById: row.replaced_by_id as RefreshTokenId | null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    rotatedAt: row.rotated_at,
  };
}

/**
 * Cuts a client-supplied string to the column's width in characters (code points,
 * as VARCHAR counts them): strict SQL mode rejects longer values, and an overlong
 * User-Agent header must not make a sign-in fail.
 */
function truncateCharacters(value: string, maxLength: number): string {
  const characters = Array.from(value);
  return characters.length <= maxLength ? value : characters.slice(0, maxLength).join("");
}
