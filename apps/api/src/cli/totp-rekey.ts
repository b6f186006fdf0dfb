import { createAESGCMSecretCipher } from "@superoauth/adapter-crypto";
import { openStorage } from "@superoauth/adapter-sql";
import { reencryptTwoFactorSecrets } from "@superoauth/application";
import { describeDatabaseProblem } from "../database-problem.ts";
import { maskURLCredentials } from "../redact.ts";
import { commandOptions } from "./command-options.ts";
import { loadConfigOrExit } from "./load-config.ts";
import { requireSchemaOfThisRelease } from "./require-schema.ts";

// pnpm totp:rekey: after TOTP_ENCRYPTION_KEY changed, re-encrypts every stored TOTP secret under
// it, reading the old ones with TOTP_ENCRYPTION_KEY_PREVIOUS. Run with the new key and the previous
// one set as the service has them; once it reports nothing undecryptable, remove the previous key
// (docs/operations.md, "Rotating the other secrets").
commandOptions({
  usage: `Usage: pnpm totp:rekey   (with TOTP_ENCRYPTION_KEY and TOTP_ENCRYPTION_KEY_PREVIOUS set)

Re-encrypts every stored TOTP secret under TOTP_ENCRYPTION_KEY, reading the old ones with
TOTP_ENCRYPTION_KEY_PREVIOUS (docs/operations.md, "Rotating the other secrets").`,
  options: {},
  refusedExitCode: 2,
});
// The development secrets file is read (never written): the key must be the one the service uses.
const config = loadConfigOrExit({ developmentSecrets: "read" });
if (config.security.totpEncryptionKeyIsEphemeral) {
  console.error(
    "TOTP_ENCRYPTION_KEY is not set: totp:rekey must run with the key the service uses (the new one, during a rotation).",
  );
  process.exit(1);
}
const storage = await openStorage({ url: config.databaseURL });
try {
  await requireSchemaOfThisRelease(storage, config, "totp:rekey");
  const report = await reencryptTwoFactorSecrets({
    twoFactor: storage.twoFactor,
    secretCipher: createAESGCMSecretCipher(
      config.security.totpEncryptionKey,
      config.security.totpPreviousEncryptionKeys,
      "TOTP_ENCRYPTION_KEY",
    ),
  });
  const lines = [
    `TOTP secrets of ${maskURLCredentials(config.databaseURL)}: ${report.reencrypted} re-encrypted under TOTP_ENCRYPTION_KEY`,
  ];
  if (report.changedMeanwhile > 0)
    lines.push(`  ${report.changedMeanwhile} set up again meanwhile (already under the current key)`);
  if (report.undecryptable.length === 0) {
    lines.push(
      config.security.totpPreviousEncryptionKeys.length > 0
        ? "No secret needs the previous key any more: remove TOTP_ENCRYPTION_KEY_PREVIOUS from every instance."
        : "Every secret decrypts with TOTP_ENCRYPTION_KEY.",
    );
    console.log(lines.join("\n"));
  } else {
    lines.push(
      `  ${report.undecryptable.length} decrypt under none of the keys given (users ${report.undecryptable.join(", ")}):`,
      "  add the key they were encrypted under to TOTP_ENCRYPTION_KEY_PREVIOUS and run again, or reset their 2FA (docs/admin.md).",
    );
    console.error(lines.join("\n"));
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`Re-encrypting the TOTP secrets of ${maskURLCredentials(config.databaseURL)} failed.`);
  console.error(describeDatabaseProblem(error, config.databaseURL));
  process.exitCode = 1;
} finally {
  await storage.close();
}
