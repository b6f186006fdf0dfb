import { createDatabase, ensureDatabaseExists, migrateToLatest } from "@superoauth/adapter-sql";
import { describeDatabaseProblem, messageWithCauses } from "./database-problem.ts";
import { loadConfigOrExit, maskURL } from "./load-config.ts";

// Creates the configured database if missing and applies every pending migration; exits 1 on failure.
const config = loadConfigOrExit();
const shownURL = maskURL(config.databaseURL);
try {
  await ensureDatabaseExists(config.databaseURL);
} catch (error) {
  console.error(`Cannot prepare the database ${shownURL}.`);
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exit(1);
}
// No query timeout: a migration's DDL may rightly run for minutes on a large table.
const db = createDatabase({ url: config.databaseURL, queryTimeoutMs: null });
try {
  const applied = await migrateToLatest(db);
  console.log(
    applied.length === 0
      ? `Database ${shownURL} is up to date.`
      : `Applied ${applied.length} migration(s) to ${shownURL}:\n${applied.map((m) => `  + ${m}`).join("\n")}`,
  );
} catch (error) {
  // The cause carries the server's own words (which statement failed, and why).
  console.error(`Migrating ${shownURL} failed: ${messageWithCauses(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
