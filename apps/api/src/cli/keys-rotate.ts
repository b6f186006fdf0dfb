import { openStorage } from "@superoauth/adapter-sql";
import { rotateSigningKeys } from "@superoauth/application";
import { describeDatabaseProblem } from "../database-problem.ts";
import { maskURLCredentials } from "../redact.ts";
import { signingKeyDependencies, signingKeyReloading } from "../signing-keys.ts";
import { commandOptions } from "./command-options.ts";
import { loadConfigOrExit } from "./load-config.ts";
import { requireSchemaOfThisRelease } from "./require-schema.ts";

// pnpm keys:rotate [--remove <kid>]: adds new signing keys (ES256 and RS256) and retires the ones
// they replace, which keep verifying until every token they signed has expired; with --remove,
// deletes one key at once (replacing it first if it is the one that signs). ADR 0021,
// docs/operations.md "Rotating the signing keys".
const usage = "Usage: pnpm keys:rotate [--remove <kid>]";
// A kid is the key's JWK thumbprint in base64url, so one in 64 begins with "-", which parseArgs
// would refuse as the value of --remove (an option's look): pass it on as --remove=<kid>.
const args = process.argv.slice(2);
const removeAt = args.indexOf("--remove");
const kidAfter = args[removeAt + 1];
if (removeAt >= 0 && kidAfter !== undefined) args.splice(removeAt, 2, `--remove=${kidAfter}`);
const { remove } = commandOptions({
  usage,
  args,
  options: { remove: { type: "string" } },
  refusedExitCode: 2,
});

// The development secrets file is read (never written): the keys are only usable with the
// JWT_SECRET the service runs with.
const config = loadConfigOrExit({ developmentSecrets: "read" });
if (config.jwt.secretIsEphemeral) {
  console.error(
    "JWT_SECRET is not set: keys:rotate must run with the JWT_SECRET the service uses (it encrypts the stored signing keys).",
  );
  process.exit(1);
}
const storage = await openStorage({ url: config.databaseURL });
try {
  await requireSchemaOfThisRelease(storage, config, "keys:rotate");
  const rotation = await rotateSigningKeys(
    signingKeyDependencies({ storage, config, clock: { now: () => new Date() } }),
    remove === undefined ? {} : { remove },
  );
  if (!rotation.ok) {
    console.error(`No published signing key has the kid ${remove}: nothing changed.`);
    process.exitCode = 1;
  } else {
    const { added, retired, removed, expiredRemoved } = rotation.value;
    const lines = [`Signing keys of ${maskURLCredentials(config.databaseURL)}:`];
    for (const key of added) {
      // Published now; a rotation's key signs after the lead (so verifiers can fetch it first),
      // a removed key's replacement at once.
      // ISO 8601 in UTC, as the retired keys' ends below and db:status's instants are written.
      const from = key.signsFrom.getTime() <= Date.now() ? "now on" : key.signsFrom.toISOString();
      lines.push(
        key.byAnotherRotation
          ? `  = ${key.algorithm} ${key.kid} signs from ${from}: added by another rotation at the same time (this run's key was not stored)`
          : `  + ${key.algorithm} ${key.kid} published now, signs from ${from}`,
      );
    }
    for (const key of retired)
      lines.push(
        `  ~ ${key.algorithm} ${key.kid} retired: signs until the new key does, verifies until ${key.expiresAt.toISOString()}`,
      );
    if (removed !== null) lines.push(`  - ${removed} removed: its tokens no longer verify`);
    if (expiredRemoved > 0) lines.push(`  - ${expiredRemoved} expired key(s) removed`);
    lines.push(
      `Running instances read the keys again within ${signingKeyReloading.maxAgeMs / 1000} s; restart them so the OpenID provider signs and publishes with the new keys (docs/operations.md).`,
    );
    console.log(lines.join("\n"));
  }
} catch (error) {
  console.error(`Rotating the signing keys of ${maskURLCredentials(config.databaseURL)} failed.`);
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await storage.close();
}
