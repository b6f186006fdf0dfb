import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { hostname } from "node:os";
import { installUpstreamAgent } from "@superoauth/adapter-oauth";
import { composeService, type Service } from "./compose.ts";
import { loadDotEnvFiles, parseConfig } from "./config.ts";
import { describeDatabase } from "./database-url.ts";
import { liveInstances, secondInstanceOnSQLite } from "./instance-settings.ts";
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
let service: Service | undefined;
let started = false;
let closing = false;
/** A stop asked for while the service starts, carried out once it listens. */
let stopAskedDuringStart: NodeJS.Signals | undefined;
/** The exit code of a process a signal ended (128 + its number), as a shell reports it. */
const signalExitCode = (signal: NodeJS.Signals): number => 128 + (signal === "SIGINT" ? 2 : 15);
/**
 * A stop signal that comes again this soon is the same stop, not a second one: a service manager
 * signals the whole process group (systemd's default `KillMode=control-group`, `kill -- -PGID`),
 * and `pnpm start` passes the signal it got on to the service, which so gets it twice within
 * milliseconds. Taken as a second stop, it dropped what was in flight and exited 143.
 */
const sameStopWithinMs = 1_000;
/** When the first stop signal came (`performance.now()`). */
let firstStopAt: number | undefined;
/** A stop signal: the first stops the service (once its start is over), a second ends the process. */
const onStopSignal = (signal: NodeJS.Signals): void => {
  if (firstStopAt !== undefined && performance.now() - firstStopAt < sameStopWithinMs) {
    logger.info(
      { signal },
      "stop signal again within 1 s: the same stop (the process group and pnpm both sent it)",
    );
    return;
  }
  if (closing || stopAskedDuringStart !== undefined) {
    // A second stop: now. Ending the process explicitly, not by Node's default action, which the
    // kernel does not apply to PID 1 (the container image runs node as PID 1).
    logger.warn({ signal }, "second stop signal: exiting now, without waiting for what is in flight");
    logger.flush();
    process.exit(signalExitCode(signal));
  }
  firstStopAt = performance.now();
  if (!started || service === undefined) {
    // Composing applies the migrations (MIGRATE_ON_START): a process ended there leaves one of
    // several statements applied and unrecorded (MySQL commits each DDL statement), and every
    // later start fails on it ("Duplicate column name"). So the start ends first, then the stop.
    logger.info({ signal }, "stop asked for during the start: stopping once the start has finished");
    stopAskedDuringStart = signal;
    return;
  }
  void shutDown(service, signal);
};
/** Stops the started service gracefully (after SHUTDOWN_DELAY), then the process with 0. */
const shutDown = async (running: Service, signal: NodeJS.Signals): Promise<void> => {
  closing = true;
  if (config.shutdownDelayMs > 0) {
    // A load balancer that follows /ready stops sending here before the port closes; what still
    // comes meanwhile is served (docs/operations.md, Rolling restarts).
    running.drain();
    logger.info(
      { signal, delayMs: config.shutdownDelayMs },
      "stopping after SHUTDOWN_DELAY: /ready answers 503 meanwhile, requests are still served",
    );
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
  }
  logger.info({ signal }, "shutting down");
  const closingSince = performance.now();
  await running.close();
  // The log's last word on a clean stop: without it, a log ending at "shutting down" could as well
  // be a process that hung or was killed there (the operator's walk, docs/reliability.md).
  logger.info(
    { signal, durationMs: Math.round(performance.now() - closingSince) },
    "stopped: requests in flight answered and the database closed; exiting with 0",
  );
  logger.flush();
  process.exit(0);
};
// Before anything of the start is logged or done. A second SIGINT or SIGTERM (a second after the
// first or later) ends the process at once, whatever is in flight.
process.on("SIGINT", () => onStopSignal("SIGINT"));
process.on("SIGTERM", () => onStopSignal("SIGTERM"));
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

// Every call to a social provider through a bounded agent: a size cap and timeouts (upstream.ts).
installUpstreamAgent(config.oauth.httpTimeoutMs);
service = await composeService(config, logger).catch((error: unknown) => failStart(error, "compose"));
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
async function listen(composed: Service, app: Service["app"], listener: Listener): Promise<void> {
  try {
    await app.listen({ host: config.host, port: listener.port });
  } catch (error) {
    closing = true;
    await composed.close().catch(() => {});
    failStart(error, "listen", listener);
  }
}
/**
 * SQLite serves one instance: a start on a file another running instance of this machine serves
 * ends here, in one line, its row withdrawn, before it listens; one seen under another host name is
 * warned of (instance-settings.ts, ADR 0072).
 */
async function refuseASecondInstanceOnSQLite(composed: Service): Promise<void> {
  if (config.database.kind !== "sqlite") return;
  // None known on a file whose migrations are pending (MIGRATE_ON_START=false): no table yet.
  const running = await liveInstances(composed.storage.runningInstances, Date.now());
  const others = (running ?? []).filter((instance) => instance.id !== composed.instanceSettings.id);
  const outcome = await secondInstanceOnSQLite({
    others,
    mine: { host: hostname(), port: config.port, file: config.database.file },
    listening: portAnswers,
  });
  if (outcome === null) return;
  if ("warning" in outcome) {
    logger.warn(outcome.warning);
    return;
  }
  closing = true;
  await composed.close().catch(() => {});
  console.error(`SuperOAuth cannot start: ${outcome.refusal}`);
  logger.flush();
  process.exit(1);
}
/** Whether a TCP connection to this port of this machine is accepted within a second. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: 1_000 });
    const settle = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.once("connect", () => settle(true));
    socket.once("timeout", () => settle(false));
    socket.once("error", () => settle(false));
  });
}
/** Carries out a stop asked for while the service started, now that the start is complete. */
async function stopIfAskedDuringStart(running: Service): Promise<void> {
  if (stopAskedDuringStart === undefined) return;
  started = true;
  const signal = stopAskedDuringStart;
  stopAskedDuringStart = undefined;
  await shutDown(running, signal);
}
// Stopped while it started (composing, migrating): it need not listen.
await stopIfAskedDuringStart(service);
await refuseASecondInstanceOnSQLite(service);
await listen(service, service.app, { port: config.port, portVariable: "PORT" });
const { metricsPort } = config.observability;
if (service.metricsApp !== undefined && metricsPort !== undefined) {
  await listen(service, service.metricsApp, { port: metricsPort, portVariable: "METRICS_PORT" });
  logger.info(`metrics: http://${config.host}:${metricsPort}/metrics`);
}
await stopIfAskedDuringStart(service);
started = true;
