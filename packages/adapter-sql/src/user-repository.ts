import type { UserRepository } from "@superoauth/application";
import {
  type Email,
  err,
  type Nickname,
  ok,
  parseRole,
  type Result,
  type Role,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { UserRow } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";

/**
 * The UserRepository port over SQL. Email uniqueness is the `users_email_unique`
 * index: an insert that collides answers USER_EXISTS, however many race.
 */
export function createUserRepository({ db, dialect }: SQLContext): UserRepository {
  return {
    async insertUser(user: User): Promise<Result<void, "USER_EXISTS">> {
      // Ids are UUIDv7 made by the application, so a duplicate key is the email's.
      return userExistsOnDuplicateEmail(dialect, () =>
        db
          .insertInto("users")
          .values({
            id: user.id,
            email: user.email,
            email_verified: user.emailVerified,
            nickname: user.nickname,
            password_hash: user.passwordHash,
            status: user.status,
            role: user.role,
            created_at: user.createdAt,
            updated_at: user.updatedAt,
          })
          .execute(),
      );
    },

    async findUserById(id: UserId): Promise<User | null> {
      const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : mapUserRow(row);
    },

    async findUsersByIds(ids: readonly UserId[]): Promise<User[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom("users")
        .selectAll()
        .where("id", "in", [...new Set(ids)])
        .execute();
      return rows.map(mapUserRow);
    },

    async findUserByEmail(email: Email): Promise<User | null> {
      const row = await db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
      return row === undefined ? null : mapUserRow(row);
    },

    async updatePasswordHash(input: {
      userId: UserId;
      passwordHash: string | null;
      now: Date;
      ifCurrent?: string | null;
    }): Promise<boolean> {
      let query = db
        .updateTable("users")
        .set({ password_hash: input.passwordHash, updated_at: input.now })
        .where("id", "=", input.userId)
        .where("status", "=", "active");
      const { ifCurrent } = input;
      if (ifCurrent !== undefined)
        query =
          ifCurrent === null
            ? query.where("password_hash", "is", null)
            : query.where("password_hash", "=", ifCurrent);
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markEmailVerified(input: { userId: UserId; now: Date }): Promise<boolean> {
      // Conditional, so the row lock decides which of concurrent calls changed it.
      const result = await db
        .updateTable("users")
        .set({ email_verified: true, updated_at: input.now })
        .where("id", "=", input.userId)
        .where("email_verified", "=", 0)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async updateNickname(input: { userId: UserId; nickname: Nickname; now: Date }): Promise<void> {
      await db
        .updateTable("users")
        .set({ nickname: input.nickname, updated_at: input.now })
        .where("id", "=", input.userId)
        .execute();
    },

    async changeEmail(input: {
      userId: UserId;
      email: Email;
      now: Date;
      ifCurrent?: Email;
    }): Promise<Result<void, "USER_EXISTS" | "USER_NOT_FOUND">> {
      let updated = 0n;
      // The only unique key an update of the address can break is users_email_unique.
      const written = await userExistsOnDuplicateEmail(dialect, async () => {
        const [result] = await db
          .updateTable("users")
          .set({ email: input.email, email_verified: true, updated_at: input.now })
          .where("id", "=", input.userId)
          .$if(input.ifCurrent !== undefined, (update) =>
            update.where("email", "=", input.ifCurrent as Email),
          )
          .execute();
        updated = result?.numUpdatedRows ?? 0n;
      });
      if (!written.ok) return written;
      return updated > 0n
        ? ok(undefined)
        : err("USER_NOT_FOUND", "The account or its address changed meanwhile");
    },
  };
}

/** Runs a write of `users` whose only possible key collision is the email's: that is USER_EXISTS. */
async function userExistsOnDuplicateEmail(
  dialect: SQLContext["dialect"],
  write: () => Promise<unknown>,
): Promise<Result<void, "USER_EXISTS">> {
  try {
    await write();
    return ok(undefined);
  } catch (error) {
    if (dialect.isUniqueViolation(error)) return err("USER_EXISTS", "A user with this email already exists");
    throw error;
  }
}

/** A `users` row as a domain User (shared with reads that join users to other tables). */
export function mapUserRow(row: UserRow): User {
  return {
    id: row.id as UserId,
    email: row.email as Email,
    emailVerified: row.email_verified === 1,
    nickname: row.nickname as Nickname,
    passwordHash: row.password_hash,
    status: parseUserStatus(row.status),
    role: parseStoredRole(row.role),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function parseUserStatus(status: string): User["status"] {
  if (status === "active" || status === "disabled") return status;
  // A status the code does not know means the data and the code disagree: that is broken, not expected.
  throw new Error(`Unknown user status in the database: ${status}`);
}

function parseStoredRole(role: string): Role {
  const parsed = parseRole(role);
  // As with the status: a role the code does not know is broken data, not an expected case.
  if (parsed === null) throw new Error(`Unknown user role in the database: ${role}`);
  return parsed;
}
