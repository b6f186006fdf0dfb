import { randomBytes } from "node:crypto";
import { composeService } from "./compose.ts";
import { loadDotEnvFiles, parseConfig } from "./config.ts";
import { describeDatabase } from "./database-url.ts";
import { createLogger, debugAreasOf, reopenLogFiles } from "./logger.ts";
import { describeStartFailure } from "./start-failure.ts";

loadDotEnvFiles();
const parsed = parseConfig(process.env, () => randomBytes(48).toString("base64url"), {
  developmentSecrets: "create",
});
if (!parsed.ok) {
  console.error(
    `SuperOAuth cannot start; fix the configuration:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`,
  );
  process.exit(1);
}
const { config, warnings, developmentSecrets } = parsed;
const logger = (() => {
  try {
    return createLogger({
      level: config.logLevel,
      file: config.logFile,
      format: config.logFormat,
      debug: debugAreasOf(config.observability.debug),
    });
  } catch (error) {
    // The log file's folder or the file cannot be created or opened (permissions, a read-only disk).
    console.error(
      `SuperOAuth cannot start: LOG_FILE=${config.logFile} cannot be written (${error instanceof Error ? error.message : String(error)}): set LOG_FILE to a writable path, or to nothing to log to stdout only.`,
    );
    process.exit(1);
  }
})();
for (const warning of warnings) logger.warn(warning);
logger.info(`database: ${describeDatabase(config.database)}`);
if (developmentSecrets !== undefined) {
  logger.info(
    { file: developmentSecrets.file, secrets: developmentSecrets.names },
    `development secrets ${developmentSecrets.state === "created" ? "generated into" : "read from"} ${developmentSecrets.file} (set them in the environment in production)`,
  );
}

/** A port the service listens on, and the setting that chose it. */
type Listener = { port: number; portVariable: "PORT" | "METRICS_PORT" };

/** Ends the start: one line saying what to do when the operator can fix it, else the error with its stack. */
function failStart(
  error: unknown,
  stage: "compose" | "listen",
  listener: Listener = { port: config.port, portVariable: "PORT" },
): never {
  const line = describeStartFailure({
    error,
    stage,
    host: config.host,
    ...listener,
    databaseURL: config.databaseURL,
  });
  if (line === null) logger.fatal({ err: error }, "SuperOAuth failed to start");
  else console.error(`SuperOAuth cannot start: ${line}`);
  logger.flush();
  process.exit(1);
}

const service = await composeService(config, logger).catch((error: unknown) => failStart(error, "compose"));
let closing = false;
const shutDown = async (signal: string): Promise<void> => {
  if (closing) return;
  closing = true;
  logger.info({ signal }, "shutting down");
  await service.close();
  process.exit(0);
};
process.once("SIGINT", () => void shutDown("SIGINT"));
process.once("SIGTERM", () => void shutDown("SIGTERM"));
// What log rotation sends (logrotate's postrotate, `systemctl reload`): open LOG_FILE again at its
// path. Node's default for SIGHUP is to end the process at once, without draining requests.
process.on("SIGHUP", () => {
  reopenLogFiles().then(
    (reopened) => {
      if (reopened > 0) logger.info({ signal: "SIGHUP", file: config.logFile }, "log file reopened");
    },
    (error: unknown) => logger.error({ err: error, file: config.logFile }, "log file could not be reopened"),
  );
});
/** Listens, or closes the service and ends the start naming the setting that chose the port. */
async function listen(app: typeof service.app, listener: Listener): Promise<void> {
  try {
    await app.listen({ host: config.host, port: listener.port });
  } catch (error) {
    closing = true;
    await service.close().catch(() => {});
    failStart(error, "listen", listener);
  }
}
await listen(service.app, { port: config.port, portVariable: "PORT" });
const { metricsPort } = config.observability;
if (service.metricsApp !== undefined && metricsPort !== undefined) {
  await listen(service.metricsApp, { port: metricsPort, portVariable: "METRICS_PORT" });
  logger.info(`metrics: http://${config.host}:${metricsPort}/metrics`);
}
