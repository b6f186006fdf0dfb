import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { copyStorage, openStorage } from "@superoauth/adapter-sql";
import { describeDatabaseProblem, messageWithCauses } from "../database-problem.ts";
import { type DatabaseLocation, parseDatabaseURL, storageURL } from "../database-url.ts";
import { instanceLiveMs } from "../instance-settings.ts";
import { maskURLCredentials } from "../redact.ts";
import { endQuietlyWhenTheReaderGoes } from "./command-options.ts";

// Copies every row of one database into another, empty one (SQLite to MySQL to move to production;
// MySQL to SQLite for a backup or a development copy). Exit 0 copied, 1 failed while copying,
// 2 refused (usage, a database that cannot be opened, an unmigrated source, a source a running
// service is using, a non-empty target).

const help = `Usage: pnpm db:copy --from <DATABASE_URL> --to <DATABASE_URL>

Copies every user, session, token, factor and event from one SuperOAuth database into another,
of either kind (sqlite:<path> or mysql://user:password@host:3306/database).

  - Stop the service first: a source an instance was seen using in the last 3 minutes is refused.
  - The source must be migrated to the latest schema (pnpm db:migrate with DATABASE_URL set to it).
  - The target is migrated first, and must hold no rows: a copy never overwrites or merges.
  - The copy is only usable with the same JWT_SECRET and TOTP_ENCRYPTION_KEY (outside production,
    data/secrets.json beside the SQLite file): without them, signed-in users are signed out and
    users with two-factor sign-in cannot sign in at all.

See "Moving from SQLite to MySQL" in docs/operations.md.`;

/** Prints one sentence and exits 2: nothing was copied. */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

endQuietlyWhenTheReaderGoes();
let args: { from?: string | undefined; to?: string | undefined; help?: boolean | undefined };
try {
  ({ values: args } = parseArgs({
    options: { from: { type: "string" }, to: { type: "string" }, help: { type: "boolean", short: "h" } },
  }));
} catch (error) {
  refuse(`${error instanceof Error ? error.message : String(error)}. Run pnpm db:copy --help.`);
}
if (args.help === true) {
  console.log(help);
  process.exit(0);
}
const fromURL = args.from ?? "";
const toURL = args.to ?? "";
if (fromURL === "" || toURL === "") {
  refuse("Name both databases: pnpm db:copy --from <DATABASE_URL> --to <DATABASE_URL> (see --help).");
}

const source = readLocation("source", fromURL);
const target = readLocation("target", toURL);
if (sameDatabase(source.location, target.location)) {
  refuse(
    `The source and the target are the same database (${maskURLCredentials(fromURL)}): name another target.`,
  );
}
if (source.location.kind === "sqlite" && !existsSync(source.location.file)) {
  refuse(`Cannot open the source: there is no SQLite file at ${source.location.file}.`);
}

// No query timeout: one batch may rightly take longer than a request would be allowed.
const from = await openStorage({ url: source.url, queryTimeoutMs: null });
const to = await openStorage({ url: target.url, queryTimeoutMs: null });
try {
  // The source is read first, and refused if behind, before anything is created or migrated in the target.
  const sourceMigrations = await opened("source", () => from.migrationStatus(), fromURL);
  const pending = sourceMigrations.filter((m) => m.executedAt === null).length;
  if (pending > 0) {
    await closeBoth();
    refuse(unmigratedSource(pending));
  }
  // A service still writing to the source would leave its newest rows behind (or, on SQLite, a
  // child row copied before its parent and a foreign-key error): refuse while an instance is seen.
  const running = await from.runningInstances.seenSince({ since: new Date(Date.now() - instanceLiveMs) });
  if (running.length > 0) {
    await closeBoth();
    refuse(
      `The source is in use: ${running.length} instance(s) of the service seen in the last ${instanceLiveMs / 60_000} minutes (${running.map((instance) => `${instance.host}, last seen ${instance.seenAt.toISOString()}`).join("; ")}). Stop the service first; an instance that stopped without a clean shutdown is no longer counted ${instanceLiveMs / 60_000} minutes after it was last seen.`,
    );
  }
  // Migrating the target also creates a missing MySQL database; copyStorage then finds it up to date.
  await opened("target", () => to.migrate(), toURL);
  let started = false;
  const outcome = await copyStorage({
    from,
    to,
    onProgress: ({ table, rows }) => {
      if (!started) console.log(`Copying ${maskURLCredentials(fromURL)} to ${maskURLCredentials(toURL)}:`);
      started = true;
      console.log(`  ${table.padEnd(26)} ${String(rows).padStart(9)}`);
    },
  });
  if (!outcome.copied) {
    await closeBoth();
    refuse(
      outcome.reason === "SOURCE_NOT_MIGRATED"
        ? unmigratedSource(outcome.pending.length)
        : `The target is not empty (rows in ${outcome.tables.join(", ")}): db:copy never overwrites; name an empty database.`,
    );
  }
  console.log(
    `Copied ${outcome.total} row(s) in ${outcome.tables.length} tables; the source and the target hold the same counts.`,
  );
} catch (error) {
  console.error(`Copying failed: ${messageWithCauses(error)}`);
  console.error(
    "Tables copied before the failure stay in the target: empty it (or delete its file) before trying again.",
  );
  process.exitCode = 1;
} finally {
  await closeBoth();
}

async function closeBoth(): Promise<void> {
  await Promise.all([from.close(), to.close()]);
}

function unmigratedSource(pending: number): string {
  return `The source has ${pending} pending migration(s): run pnpm db:migrate with DATABASE_URL=${maskURLCredentials(fromURL)} first.`;
}

/** Runs the first query on one side, refusing (exit 2) with which side and why when it fails. */
async function opened<T>(side: "source" | "target", first: () => Promise<T>, url: string): Promise<T> {
  try {
    return await first();
  } catch (error) {
    await closeBoth();
    refuse(`Cannot open the ${side} ${maskURLCredentials(url)}: ${describeDatabaseProblem(error, url)}`);
  }
}

function readLocation(side: "source" | "target", given: string): { location: DatabaseLocation; url: string } {
  const reading = parseDatabaseURL(given);
  if ("problem" in reading) refuse(`The ${side} URL ${maskURLCredentials(given)} ${reading.problem}.`);
  if (reading.value.kind === "sqlite-memory") {
    refuse(`The ${side} cannot be sqlite::memory:, which lives only as long as one process.`);
  }
  return { location: reading.value, url: storageURL(reading.value, given) };
}

function sameDatabase(a: DatabaseLocation, b: DatabaseLocation): boolean {
  if (a.kind === "sqlite" && b.kind === "sqlite") return a.file === b.file;
  if (a.kind === "mysql" && b.kind === "mysql") {
    return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.database === b.database;
  }
  return false;
}
