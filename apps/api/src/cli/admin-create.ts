import { createSecureRandomSource, createSHA256SecretHasher } from "@superoauth/adapter-crypto";
import { openStorage } from "@superoauth/adapter-sql";
import { createAdmin } from "@superoauth/application";
import { describeDatabaseProblem } from "../database-problem.ts";
import { maskURLCredentials } from "../redact.ts";
import { commandOptions } from "./command-options.ts";
import { loadConfigOrExit } from "./load-config.ts";
import { requireSchemaOfThisRelease } from "./require-schema.ts";

// `pnpm admin:create --email <address>`: makes the account with this address an admin, or creates
// one (address verified, no password) and prints a one-time link to set its password (docs/admin.md).
const usage = "Usage: pnpm admin:create --email <address>";

const { email } = commandOptions({ usage, options: { email: { type: "string" } }, refusedExitCode: 1 });
if (email === undefined || email.trim() === "") {
  console.error(usage);
  process.exit(1);
}

const config = loadConfigOrExit();
const storage = await openStorage({ url: config.databaseURL });
try {
  await requireSchemaOfThisRelease(storage, config, "admin:create");
  const created = await createAdmin(
    {
      users: storage.users,
      accountAdministration: storage.accountAdministration,
      emailTokens: storage.emailTokens,
      securityEvents: storage.securityEvents,
      random: createSecureRandomSource(),
      secretHasher: createSHA256SecretHasher(),
      clock: { now: () => new Date() },
      settings: { appURL: config.mail.appURL },
    },
    { email },
  );
  if (!created.ok) {
    const message = created.message ?? created.error;
    console.error(created.error === "VALIDATION_ERROR" ? `${message}\n${usage}` : message);
    process.exitCode = 1;
  } else {
    const { user } = created.value;
    switch (created.value.outcome) {
      case "already-admin":
        // An admin who lost their password is sent here by nothing, but may come: say what works.
        console.log(
          `${user.email} is already an admin. Lost its password? Reset it at ${config.mail.appURL}/forgot-password, or run this command with another address to make a second admin.`,
        );
        break;
      case "promoted":
        console.log(
          `${user.email} is now an admin.${user.status === "disabled" ? " The account is disabled: enable it to sign in." : ""}`,
        );
        break;
      case "link-renewed":
        console.log(
          `${user.email} is already an admin and has no password yet.\n` +
            `Set its password at this link, once, within one hour (it is shown only now; earlier links no longer work):\n\n` +
            `  ${created.value.setPasswordLink}\n\n` +
            "Expired? Run this command again for a new link.",
        );
        break;
      case "created":
        console.log(
          `Created the admin account ${user.email} (id ${user.id}), without a password.\n` +
            `Set its password at this link, once, within one hour (it is shown only now):\n\n` +
            `  ${created.value.setPasswordLink}\n\n` +
            "Expired? Run this command again for a new link.",
        );
        break;
    }
    if (config.security.staffRequireTwoFactor) {
      console.log(
        `STAFF_REQUIRE_2FA is on: the admin API and console open to this account once it turns on two-factor authentication at ${config.mail.appURL}/account/two-factor.`,
      );
    }
  }
} catch (error) {
  console.error(`Could not create the admin in ${maskURLCredentials(config.databaseURL)}.`);
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await storage.close();
}
