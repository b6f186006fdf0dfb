import { createDatabase, migrationStatus, pingDatabase } from "@superoauth/adapter-sql";
import { describeDatabaseProblem } from "./database-problem.ts";
import { loadConfigOrExit, maskURL } from "./load-config.ts";

// Reports whether the configured database answers and which migrations it has; exits 1 unless it answers.
const config = loadConfigOrExit();
const db = createDatabase({ url: config.databaseURL });
try {
  await pingDatabase(db);
  console.log(`Connected to ${maskURL(config.databaseURL)}.`);
  const migrations = await migrationStatus(db);
  for (const m of migrations) console.log(`  ${m.executedAt === null ? "pending " : "applied "} ${m.name}`);
  const pending = migrations.filter((m) => m.executedAt === null).length;
  console.log(
    pending === 0 ? "Schema is up to date." : `${pending} migration(s) pending: run pnpm db:migrate.`,
  );
} catch (error) {
  console.error(`Database ${maskURL(config.databaseURL)} is not usable.`);
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await db.destroy();
}
