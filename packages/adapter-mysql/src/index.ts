export type { Database, DatabaseConnection } from "./database.ts";
export { createDatabase, ensureDatabaseExists, pingDatabase } from "./database.ts";
export type { MigrationState } from "./migrate.ts";
export { migrateToLatest, migrationStatus } from "./migrate.ts";
export { createSecurityEventLog } from "./security-event-log.ts";
export { createSessionRepository } from "./session-repository.ts";
export { createUserRepository } from "./user-repository.ts";
