import { randomBytes } from "node:crypto";
import { pingRedisServer } from "@superoauth/adapter-http";
import { verifySMTPServer } from "@superoauth/adapter-mail";
import { openStorage } from "@superoauth/adapter-sql";
import { loadDotEnvFiles, parseConfig, untrustedTLSProxyMessage } from "../config.ts";
import { type CheckOutcome, formatOutcome, runDoctor } from "../doctor.ts";
import { commandOptions } from "./command-options.ts";
import { sqliteFileNotCreated } from "./load-config.ts";

// Checks what the troubleshooting guide asks an operator to check, one line each (ok, warn, fail
// with what to do), against the configuration `pnpm start` would use; exits 1 on any failure.
// It never creates anything: no SQLite file, no development secrets, no MySQL database.
commandOptions({
  usage: `Usage: pnpm run doctor   (pnpm doctor is pnpm's own command)

Checks what the troubleshooting guide asks you to: the configuration and its secrets, the database
and its migrations, the clock against it, the disk, the instances sharing it, mail, Redis, the
proxy settings and each provider's redirect URI, one line each (ok, warn, fail with what to do).
Creates nothing; exits 1 on any failure.`,
  options: {},
  refusedExitCode: 2,
});
loadDotEnvFiles();
const parsed = parseConfig(process.env, () => randomBytes(48).toString("base64url"), {
  developmentSecrets: "read",
});
const outcomes: CheckOutcome[] = [];
if (!parsed.ok) {
  for (const problem of parsed.problems)
    outcomes.push({ check: "configuration", status: "fail", detail: problem });
} else {
  const { config } = parsed;
  outcomes.push({ check: "configuration", status: "ok", detail: `valid (${config.environment})` });
  // The secrets, SMTP_URL and the proxy's trust have checks of their own below.
  for (const warning of parsed.warnings.filter(
    (w) =>
      !/^(JWT_SECRET|TOTP_ENCRYPTION_KEY|COOKIE_SECRET|SMTP_URL)\b/.test(w) &&
      !w.startsWith(untrustedTLSProxyMessage),
  )) {
    outcomes.push({ check: "configuration", status: "warn", detail: warning });
  }
  const notCreated = sqliteFileNotCreated(config);
  if (notCreated !== null) {
    // The start refuses such a file when it may not migrate it: a failure, not a note.
    const status = config.migrateOnStart ? "warn" : "fail";
    outcomes.push({ check: "database", status, detail: notCreated });
  }
  const storage =
    notCreated !== null
      ? null
      : await openStorage({
          url: config.databaseURL,
          connectTimeoutMs: config.databaseConnectTimeoutMs,
          queryTimeoutMs: config.databaseQueryTimeoutMs,
        });
  try {
    outcomes.push(
      ...(await runDoctor({
        config,
        developmentSecrets: parsed.developmentSecrets,
        probes: {
          database: storage,
          verifySMTP: (url) => verifySMTPServer({ url, timeoutMs: 5_000 }),
          pingRedis: (url) => pingRedisServer({ url, timeoutMs: 5_000 }),
          now: () => Date.now(),
        },
      })),
    );
  } finally {
    await storage?.close();
  }
}

for (const outcome of outcomes) {
  console.log(formatOutcome(outcome));
}
const count = (status: CheckOutcome["status"]) => outcomes.filter((o) => o.status === status).length;
console.log(`${count("ok")} ok, ${count("warn")} warning(s), ${count("fail")} failure(s).`);
process.exitCode = count("fail") > 0 ? 1 : 0;
