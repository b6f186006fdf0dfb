import { randomBytes } from "node:crypto";
import { composeService } from "./compose.ts";
import { loadDotEnvFiles, parseConfig } from "./config.ts";
import { describeDatabase } from "./database-url.ts";
import { createLogger, debugAreasOf } from "./logger.ts";

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

try {
  const service = await composeService(config, logger);
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
  await service.app.listen({ host: config.host, port: config.port });
  if (service.metricsApp !== undefined && config.observability.metricsPort !== undefined) {
    await service.metricsApp.listen({ host: config.host, port: config.observability.metricsPort });
    logger.info(`metrics: http://${config.host}:${config.observability.metricsPort}/metrics`);
  }
} catch (error) {
  logger.fatal({ err: error }, "SuperOAuth failed to start");
  process.exit(1);
}
