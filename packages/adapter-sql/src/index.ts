export type { Database, DatabaseConnection } from "./database.ts";
export { createDatabase, ensureDatabaseExists, pingDatabase } from "./database.ts";
export type { SQLiteDialectOptions } from "./dialects/sqlite.ts";
export {
  createSQLiteDialect,
  isBusy,
  isForeignKeyViolation,
  isUniqueViolation,
  sqliteVersion,
} from "./dialects/sqlite.ts";
export { createEmailTokenRepository } from "./email-token-repository.ts";
export { createLinkedProviderRepository } from "./linked-provider-repository.ts";
export { createLockoutRepository } from "./lockout-repository.ts";
export type { MigrationState } from "./migrate.ts";
export { migrateToLatest, migrationStatus } from "./migrate.ts";
export { createOAuthFlowRepository } from "./oauth-flow-repository.ts";
export type { PrunedRecords } from "./prune-expired-records.ts";
export { pruneExpiredRecords } from "./prune-expired-records.ts";
export { createSecurityEventLog } from "./security-event-log.ts";
export { createSessionRepository } from "./session-repository.ts";
export { createTwoFactorRepository } from "./two-factor-repository.ts";
export { createUserRepository } from "./user-repository.ts";
