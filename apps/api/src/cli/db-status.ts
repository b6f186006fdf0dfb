import { openStorage } from "@superoauth/adapter-sql";
import { describeDatabaseProblem } from "../database-problem.ts";
import { describeServerVersion } from "../database-url.ts";
import { instanceLiveMs, liveInstances, olderReleasesStillRunning, releaseOf } from "../instance-settings.ts";
import { maskURLCredentials } from "../redact.ts";
import { serviceVersion } from "../service-version.ts";
import { commandOptions } from "./command-options.ts";
import { loadConfigOrExit, sqliteFileNotCreated } from "./load-config.ts";

// Reports whether the configured database answers, what it is (server or library version, database
// or file) and which migrations it has; exits 1 unless it answers, or when a newer release migrated it.
commandOptions({
  usage: `Usage: pnpm db:status

Connects to the database DATABASE_URL names and prints its server (or SQLite library) version, the
database (or file), every migration applied or pending, and the instances running on it. Changes
nothing; exits 1 when the database does not answer or a newer release migrated it.`,
  options: {},
  refusedExitCode: 2,
});
const config = loadConfigOrExit();
// Opening a SQLite file that is not there would create it (and its folders): a status only looks.
const notCreated = sqliteFileNotCreated(config);
if (notCreated !== null) {
  console.error(`Database ${maskURLCredentials(config.databaseURL)} is not usable.\n${notCreated}.`);
  process.exit(1);
}
const storage = await openStorage({ url: config.databaseURL });
try {
  await storage.ping();
  console.log(`Connected to ${maskURLCredentials(config.databaseURL)}.`);
  const { dialect, version, location, tlsCipher } = await storage.describe();
  console.log(
    dialect === "mysql"
      ? `  Server:   ${describeServerVersion(version)}\n  Database: ${location}\n  TLS:      ${tlsCipher ?? "none (plain text; ?ssl=true in DATABASE_URL encrypts)"}`
      : `  Library:  SQLite ${version}\n  File:     ${location}`,
  );
  const migrations = await storage.migrationStatus();
  for (const m of migrations) console.log(`  ${m.executedAt === null ? "pending " : "applied "} ${m.name}`);
  const newer = await storage.migrationsOfANewerRelease();
  for (const name of newer) console.log(`  newer    ${name} (applied by a newer release)`);
  const pending = migrations.filter((m) => m.executedAt === null).length;
  // The instances serving this database (docs/operations.md, "Several instances"), with migrations
  // pending too: before an upgrade migrates, every instance of the old release is to be stopped.
  // Not on a schema a newer release changed, nor one behind the migration that makes their table.
  const running = newer.length === 0 ? await liveInstances(storage.runningInstances, Date.now()) : null;
  if (running !== null) {
    console.log(
      `  Running instances (seen in the last ${instanceLiveMs / 60_000} minutes): ${running.length}`,
    );
    for (const instance of running) {
      console.log(
        `  instance ${instance.host}, release ${instance.releaseVersion}, started ${instance.startedAt.toISOString()}, last seen ${instance.seenAt.toISOString()}`,
      );
    }
  }
  if (newer.length > 0) {
    console.log(
      `${newer.length} migration(s) applied by a newer release: this version will not start on this database; run that release, or restore the backup taken before the upgrade.`,
    );
    process.exitCode = 1;
  } else if (pending === 0) {
    console.log("Schema is up to date.");
  } else {
    console.log(`${pending} migration(s) pending: run pnpm db:migrate.`);
    const older = olderReleasesStillRunning(running ?? [], releaseOf(serviceVersion, migrations));
    if (older !== null) console.log(older);
  }
} catch (error) {
  console.error(`Database ${maskURLCredentials(config.databaseURL)} is not usable.`);
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await storage.close();
}
