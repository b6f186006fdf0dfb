import { openStorage } from "@superoauth/adapter-sql";
import { describeDatabaseProblem } from "../database-problem.ts";
import { maskURLCredentials } from "../redact.ts";
import { loadConfigOrExit } from "./load-config.ts";

// Creates the configured database if missing and applies every pending migration; exits 1 on failure.
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
