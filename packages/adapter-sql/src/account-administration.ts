import type {
  AccountAdministration,
  AccountChange,
  GuardedAccount,
  LockedAccount,
} from "@superoauth/application";
import {
  type ErrorCode,
  err,
  ok,
  type Result,
  type SecurityEvent,
  securityEventTypes,
  type User,
  type UserId,
} from "@superoauth/domain";
import { type Expression, type ExpressionBuilder, type SqlBool, sql, type Transaction } from "kysely";
import type { Database } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";
import { mapSecurityEventRows } from "./security-event-log.ts";
import { mapUserRow } from "./user-repository.ts";

/** `!` escapes LIKE's wildcards: both databases accept it in ESCAPE, where a backslash is spelt differently. */
function likePattern(query: string): string {
  return `%${query.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * The AccountAdministration port over SQL. A guarded change locks the active admins' rows (found
 * through `users_role_index`, so only those and the gaps around them are locked, not the table),
 * then the account's, in that order every time: two changes that could each remove an admin take
 * turns, and the second sees what the first left.
 */
export function createAccountAdministration(context: SQLContext): AccountAdministration {
  const { db, dialect } = context;

  async function lockAccount<E extends ErrorCode>(
    trx: Transaction<Database>,
    userId: UserId,
    guard: (account: GuardedAccount) => Result<void, E>,
  ): Promise<Result<LockedAccount, "USER_NOT_FOUND" | E>> {
    const admins = await dialect
      .forUpdate(
        trx
          .selectFrom("users")
          .select("id")
          .where("role", "=", "admin")
          .where("status", "=", "active")
          .orderBy("id"),
      )
      .execute();
    const row = await dialect
      .forUpdate(trx.selectFrom("users").selectAll().where("id", "=", userId))
      .executeTakeFirst();
    if (row === undefined) return err("USER_NOT_FOUND", "No user with this id");
    const user = mapUserRow(row);
    const allowed = guard({ user, activeAdminIds: admins.map((a) => a.id as UserId) });
    if (!allowed.ok) return allowed;
    return ok({ user, disabledReason: row.disabled_reason });
  }

  return {
    async searchUsers(input: { query: string | null; afterId?: string; limit: number }): Promise<User[]> {
      let query = db.selectFrom("users").selectAll();
      if (input.query !== null) {
        const pattern = likePattern(input.query.toLowerCase());
        query = query.where(
          sql<boolean>`(LOWER(email) LIKE ${pattern} ESCAPE '!' OR LOWER(nickname) LIKE ${pattern} ESCAPE '!')`,
        );
      }
      if (input.afterId !== undefined) query = query.where("id", ">", input.afterId);
      const rows = await query.orderBy("id").limit(input.limit).execute();
      return rows.map(mapUserRow);
    },

    async updateAccount<E extends ErrorCode>(input: {
      userId: UserId;
      change: AccountChange | ((locked: LockedAccount) => AccountChange);
      now: Date;
      guard: (account: GuardedAccount) => Result<void, E>;
    }): Promise<Result<User, "USER_NOT_FOUND" | E>> {
      return runInTransaction(context, async (trx) => {
        const locked = await lockAccount(trx, input.userId, input.guard);
        if (!locked.ok) return locked;
        const change = typeof input.change === "function" ? input.change(locked.value) : input.change;
        await trx
          .updateTable("users")
          .set({
            ...(change.status === undefined ? {} : { status: change.status }),
            ...(change.disabledReason === undefined ? {} : { disabled_reason: change.disabledReason }),
            ...(change.role === undefined ? {} : { role: change.role }),
            updated_at: input.now,
          })
          .where("id", "=", input.userId)
          .execute();
        const { disabledReason: _kept, ...onUser } = change;
        return ok({ ...locked.value.user, ...onUser, updatedAt: input.now });
      });
    },

    async deleteAccount<E extends ErrorCode>(input: {
      userId: UserId;
      pseudonymId: UserId;
      guard: (account: GuardedAccount) => Result<void, E>;
    }): Promise<Result<User, "USER_NOT_FOUND" | E>> {
      const { userId, pseudonymId } = input;
      return runInTransaction(context, async (trx) => {
        const locked = await lockAccount(trx, userId, input.guard);
        if (!locked.ok) return locked;
        // The log keeps what happened and when, under a pseudonym, and nothing about where or who.
        // Where the person was (their own events, and what they did as staff on their own account)
        // goes; a member of staff's client on what staff did to them is the staff member's, kept
        // for the audit. What the person did as staff on no other account (a maintenance notice)
        // keeps its details too: they say what the action was, and without them the audit would
        // misread it.
        await trx
          .updateTable("security_events")
          .set({ ip: null, user_agent: null })
          .where("user_id", "=", userId)
          .where((eb) => eb.or([eb("actor_id", "is", null), eb("actor_id", "=", userId)]))
          .execute();
        await trx
          .updateTable("security_events")
          .set((eb) => ({
            user_id: pseudonymId,
            // Kept: what the person did as staff on their own account, and a grant by `pnpm
            // admin:create` (the role and the command, nothing of the person), which the audit
            // lists and describes by them.
            details: eb
              .case()
              .when("actor_id", "=", userId)
              .then(eb.ref("details"))
              .when(eb.and([eb("actor_id", "is", null), eb("type", "=", "role_changed")]))
              .then(eb.ref("details"))
              .else("{}")
              .end(),
          }))
          .where("user_id", "=", userId)
          .execute();
        // What they did as staff to others keeps its place in the audit, under the pseudonym, without
        // where they acted from.
        await trx
          .updateTable("security_events")
          .set({ actor_id: pseudonymId, ip: null, user_agent: null })
          .where("actor_id", "=", userId)
          .execute();
        // The notice in force names who set it: the pseudonym, as the audit does.
        await trx
          .updateTable("maintenance_notices")
          .set({ set_by: pseudonymId })
          .where("set_by", "=", userId)
          .execute();
        // A trip to a provider that re-proves one of the person's sessions names it without a key
        // (trips live ten minutes at most; a link trip names the person too and goes with the
        // row). The sessions are read first, then their trips by the trips' index on the column,
        // both by plain reads that lock nothing, and the trips deleted by key: the subquery form was
        // a scan of the whole table, whose every row and gap this transaction then held, and a
        // DELETE by the index still held the gap where the sessions' ids would be, which with no
        // fresh proof in flight runs from the last sign-in's trip to the end of the table (a
        // sign-in whose state hash sorted past it waited for the deletion). A fresh proof started
        // by one of these sessions after the read is left to expire (it re-proves a session
        // that is gone), as the prune's read-then-delete leaves a session that gained a token.
        const sessions = await trx
          .selectFrom("sessions")
          .select("id")
          .where("user_id", "=", userId)
          .execute();
        for (let from = 0; from < sessions.length; from += namedRowsPerStatement) {
          const trips = await trx
            .selectFrom("oauth_authorizations")
            .select("state_hash")
            .where(
              "reauthenticate_session_id",
              "in",
              sessions.slice(from, from + namedRowsPerStatement).map((session) => session.id),
            )
            .execute();
          for (let at = 0; at < trips.length; at += namedRowsPerStatement) {
            await trx
              .deleteFrom("oauth_authorizations")
              .where(
                "state_hash",
                "in",
                trips.slice(at, at + namedRowsPerStatement).map((trip) => trip.state_hash),
              )
              .execute();
          }
        }
        // Lockout counters are keyed by the address, whether or not an account has it (ADR 0008).
        await trx.deleteFrom("login_failures").where("account", "=", locked.value.user.email).execute();
        // The OpenID provider's records of the account (sessions, grants, tokens) name it without a key.
        await trx.deleteFrom("oidc_models").where("account_id", "=", userId).execute();
        // And its records of the apps the person registered, whoever signed in to them: the apps go
        // with the row, and every grant and token of theirs with them, as deleting one app does.
        // The apps are read first and named: MariaDB ran `client_id IN (SELECT ...)` as a scan of
        // the whole table, whose every row and gap this transaction then held (REPEATABLE READ),
        // and every sign-in, consent and token of every app waited for the deletion to end.
        const apps = await trx.selectFrom("apps").select("id").where("owner_id", "=", userId).execute();
        if (apps.length > 0) {
          await trx
            .deleteFrom("oidc_models")
            .where(
              "client_id",
              "in",
              apps.map((app) => app.id),
            )
            .execute();
        }
        // Every other record of the person goes with the row (ON DELETE CASCADE): sessions and their
        // refresh tokens, linked providers, 2FA and backup codes, mail tokens, known sign-in sources,
        // completed MFA challenges, OAuth trips and login codes, their apps and every user's
        // authorizations of those apps.
        await trx.deleteFrom("users").where("id", "=", userId).execute();
        return ok(locked.value.user);
      });
    },

    async findDisabledReason(userId: UserId): Promise<string | null> {
      const row = await db
        .selectFrom("users")
        .select("disabled_reason")
        .where("id", "=", userId)
        .executeTakeFirst();
      return row?.disabled_reason ?? null;
    },

    async listActiveAdminIds(): Promise<UserId[]> {
      const rows = await db
        .selectFrom("users")
        .select("id")
        .where("role", "=", "admin")
        .where("status", "=", "active")
        .orderBy("id")
        .execute();
      return rows.map((r) => r.id as UserId);
    },

    async findAccountLockedUntil(input: { account: string; now: Date }): Promise<Date | null> {
      const row = await db
        .selectFrom("login_failures")
        .select("locked_until")
        .where("account", "=", input.account)
        .where("locked_until", ">", input.now)
        .orderBy("locked_until", "desc")
        .limit(1)
        .executeTakeFirst();
      return row?.locked_until ?? null;
    },

    async listStaffActions(input: { limit: number; beforeId?: string }): Promise<SecurityEvent[]> {
      // Two reads, each down its own index (an OR would scan every event): the events with an
      // actor, and the roles given with no actor, which only `pnpm admin:create` records. Exactly
      // the rows isAuditEntry lists, so nothing is filtered after the limit (which could leave a
      // row off every page). Merged, newest first.
      const newest = (filter: (eb: ExpressionBuilder<Database, "security_events">) => Expression<SqlBool>) =>
        db
          .selectFrom("security_events")
          .selectAll()
          .where(filter)
          .where("type", "in", [...securityEventTypes])
          .$if(input.beforeId !== undefined, (query) => query.where("id", "<", input.beforeId ?? ""))
          .orderBy("id", "desc")
          .limit(input.limit)
          .execute();
      const [acted, granted] = await Promise.all([
        newest((eb) => eb("actor_id", "is not", null)),
        newest((eb) => eb.and([eb("type", "=", "role_changed"), eb("actor_id", "is", null)])),
      ]);
      return [...mapSecurityEventRows(acted), ...mapSecurityEventRows(granted)]
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .slice(0, input.limit);
    },

    async listActionsBy(input: {
      actorId: UserId;
      limit: number;
      beforeId?: string;
    }): Promise<SecurityEvent[]> {
      // Down `security_events_actor_id_index` (actor_id, id), newest first: only this actor's rows
      // are read, their own account's entries (on their own log already) skipped among them.
      const rows = await db
        .selectFrom("security_events")
        .selectAll()
        .where("actor_id", "=", input.actorId)
        .where("user_id", "<>", input.actorId)
        .where("type", "in", [...securityEventTypes])
        .$if(input.beforeId !== undefined, (query) => query.where("id", "<", input.beforeId ?? ""))
        .orderBy("id", "desc")
        .limit(input.limit)
        .execute();
      return mapSecurityEventRows(rows);
    },
  };
}

/**
 * How many rows one statement names in its `IN` list: a person with more sessions than this is
 * deleted in a few statements, each well inside a prepared statement's 65,535 parameters.
 */
const namedRowsPerStatement = 1000;
