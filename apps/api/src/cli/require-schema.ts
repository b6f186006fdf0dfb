import type { Storage } from "@superoauth/adapter-sql";
import type { Config } from "../config.ts";
import { maskURLCredentials } from "../redact.ts";

/**
 * For a command that writes to the database (admin:create, keys:rotate, totp:rekey), run first in
 * its `try`: the schema must be this release's, as the start requires. Migrated first when
 * `MIGRATE_ON_START` is on (migrate() itself refuses a newer schema, with the error the command's
 * `catch` describes); otherwise refused in one line, exit 1, when a newer release migrated the
 * database (an operator gone back to the previous release, docs/operations.md, "Going back"),
 * whose schema this release's writes would not keep, or when migrations are pending.
 */
export async function requireSchemaOfThisRelease(
  storage: Storage,
  config: Config,
  command: string,
): Promise<void> {
  if (config.migrateOnStart) await storage.migrate();
  const refusal = await schemaRefusal(storage);
  if (refusal === null) return;
  await storage.close();
  console.error(`${command} did not change ${maskURLCredentials(config.databaseURL)}: ${refusal}`);
  process.exit(1);
}

async function schemaRefusal(storage: Storage): Promise<string | null> {
  const newer = await storage.migrationsOfANewerRelease();
  if (newer.length > 0) {
    return `${newer.length} migration(s) applied by a newer release (the newest ${newer.at(-1)}); run that release's command, or restore the backup taken before the upgrade.`;
  }
  const pending = (await storage.migrationStatus()).filter((m) => m.executedAt === null);
  if (pending.length > 0) {
    return `${pending.length} migration(s) pending (the first ${pending[0]?.name}); run pnpm db:migrate first.`;
  }
  return null;
}
