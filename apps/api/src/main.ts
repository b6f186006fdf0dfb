import { randomBytes } from "node:crypto";
import { composeService } from "./compose.ts";
import { loadDotEnvFiles, parseConfig } from "./config.ts";
import { describeDatabase } from "./database-url.ts";
import { createLogger, debugAreasOf } from "./logger.ts";
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
const logger = createLogger({
  level: config.logLevel,
  file: config.logFile,
  format: config.logFormat,
  debug: debugAreasOf(config.observability.debug),
});
for (const warning of warnings) logger.warn(warning);
logger.info(`database: ${describeDatabase(config.database)}`);
if (developmentSecrets !== undefined) {
  logger.info(
    { file: developmentSecrets.file, secrets: developmentSecrets.names },
    `development secrets ${developmentSecrets.state === "created" ? "generated into" : "read from"} ${developmentSecrets.file} (set them in the environment in production)`,
  );
}

/** Ends the start: one line saying what to do when the operator can fix it, else the error with its stack. */
function failStart(error: unknown, stage: "compose" | "listen"): never {
  const line = describeStartFailure({
    error,
    stage,
    host: config.host,
    port: config.port,
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
try {
  await service.app.listen({ host: config.host, port: config.port });
  if (service.metricsApp !== undefined && config.observability.metricsPort !== undefined) {
    await service.metricsApp.listen({ host: config.host, port: config.observability.metricsPort });
    logger.info(`metrics: http://${config.host}:${config.observability.metricsPort}/metrics`);
  }
} catch (error) {
  closing = true;
  await service.close().catch(() => {});
  failStart(error, "listen");
}
