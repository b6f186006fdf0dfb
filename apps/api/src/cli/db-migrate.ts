import { createDatabase, ensureDatabaseExists, migrateToLatest } from "@superoauth/adapter-mysql";
import { loadConfigOrExit, maskURL } from "./load-config.ts";

const config = loadConfigOrExit();
await ensureDatabaseExists(config.databaseURL);
const db = createDatabase({ url: config.databaseURL });
try {
  const applied = await migrateToLatest(db);
  console.log(
    applied.length === 0
      ? `Database ${maskURL(config.databaseURL)} is up to date.`
      : `Applied ${applied.length} migration(s) to ${maskURL(config.databaseURL)}:\n${applied.map((m) => `  + ${m}`).join("\n")}`,
  );
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
