import { openStorage } from "@superoauth/adapter-sql";
import { describeDatabaseProblem } from "../database-problem.ts";
import { maskURLCredentials } from "../redact.ts";
import { commandOptions } from "./command-options.ts";
import { loadConfigOrExit } from "./load-config.ts";

// Creates the configured database if missing and applies every pending migration; exits 1 on failure.
const usage = `Usage: pnpm db:migrate

Creates the database DATABASE_URL names if it is missing and applies every pending migration
(pnpm db:status lists them first; docs/operations.md, "Upgrades and migrations").`;
// It takes no arguments: anything else (a --help, a mistyped flag) is answered before the database
// is touched, so asking how the command works never migrates a database.
commandOptions({ usage, options: {}, refusedExitCode: 2 });
const config = loadConfigOrExit();
const shownURL = maskURLCredentials(config.databaseURL);
// The storage migrates without a query timeout: a migration's DDL may rightly run for minutes.
const storage = await openStorage({ url: config.databaseURL });
try {
  const applied = await storage.migrate();
  console.log(
    applied.length === 0
      ? `Database ${shownURL} is up to date.`
      : `Applied ${applied.length} migration(s) to ${shownURL}:\n${applied.map((m) => `  + ${m}`).join("\n")}`,
  );
} catch (error) {
  console.error(`Migrating ${shownURL} failed.`);
  // A failed migration carries the database's own words as its cause (which statement, and why).
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await storage.close();
}
