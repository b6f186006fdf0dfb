import { openStorage } from "@superoauth/adapter-sql";
import { describeDatabaseProblem } from "../database-problem.ts";
import { liveInstances, olderReleasesStillRunning, releaseOf } from "../instance-settings.ts";
import { maskURLCredentials } from "../redact.ts";
import { serviceVersion } from "../service-version.ts";
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
  // Instances of the old release still running were to be stopped first (ADR 0046); the operator
  // learns it here rather than from their /ready alone. Not refused: an instance killed without a
  // clean stop counts for three minutes, and the new release's instances wait for this step.
  if (applied.length > 0) {
    const running = await liveInstances(storage.runningInstances, Date.now());
    const older = olderReleasesStillRunning(
      running ?? [],
      releaseOf(serviceVersion, await storage.migrationStatus()),
    );
    if (older !== null) console.error(`Warning: ${older} Stop them now.`);
  }
} catch (error) {
  console.error(`Migrating ${shownURL} failed.`);
  // A failed migration carries the database's own words as its cause (which statement, and why).
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await storage.close();
}
