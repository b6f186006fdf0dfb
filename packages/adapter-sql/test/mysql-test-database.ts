import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { escapeId } from "mysql2";
import { createConnection } from "mysql2/promise";
import { afterAll, beforeAll } from "vitest";
import type { Database } from "../src/database.ts";
import { ensureMySQLDatabaseExists } from "../src/dialects/mysql.ts";
import { openStorage, type Storage } from "../src/storage.ts";

/** A database of its own for one test file. */
export interface TestDatabase {
  /** The storage over it, as the service opens it (without the query timeout). */
  readonly storage: Storage;
  readonly db: Kysely<Database>;
  /** The URL of this database, for code under test that connects by itself. */
  readonly url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

const localServerURL = "mysql://root@127.0.0.1:3306";
const mysqlImage = "mysql:8.4";
const dockerCheckTimeoutMs = 1_000;
const localServerCheckTimeoutMs = 2_000;

/**
 * Creates a fresh, empty database named `superoauth_test_<random>` and, unless
 * told otherwise, migrates it to the latest schema. The server is the first of:
 * `MYSQL_URL`; a Testcontainers MySQL 8 container when a Docker engine answers;
 * a server on 127.0.0.1:3306 (root, no password). With none of these it throws;
 * it never skips.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const server = await findMysqlServer();
  openDatabases++;
  const name = `superoauth_test_${randomBytes(6).toString("hex")}`;
  const url = buildDatabaseURL(server.url, name);
  let storage: Storage | undefined;
  let dropped = false;
  async function drop(): Promise<void> {
    // Idempotent, so a second call cannot release the shared server twice.
    if (dropped) return;
    dropped = true;
    try {
      await storage?.close();
      await dropDatabase(url);
    } finally {
      await releaseMysqlServer();
    }
  }
  try {
    await ensureMySQLDatabaseExists(url);
    // No query timeout: migrations and the heaviest race tests may outlast it on a loaded machine.
    storage = await openStorage({ url, queryTimeoutMs: null });
    if (options.migrate !== false) await storage.migrate();
  } catch (error) {
    // The failure that stopped the set-up is the one worth reporting, not a failed clean-up after it.
    await drop().catch(() => undefined);
    throw error;
  }
  return { storage, db: storage.db, url, drop };
}

/**
 * Registers hooks that give the calling test file its own migrated MySQL database,
 * created before its tests and dropped after them. Call at the top of the file.
 */
export function useMySQLTestDatabase(): { storage(): Storage; db(): Kysely<Database>; url(): string } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(async () => {
    await current?.drop();
  });
  function get(): TestDatabase {
    if (current === undefined) throw new Error("The test database exists only while the file's tests run");
    return current;
  }
  return { storage: () => get().storage, db: () => get().db, url: () => get().url };
}

/** Replaces the database in a server URL, keeping credentials and options. */
export function buildDatabaseURL(serverURL: string, database: string): string {
  const url = new URL(serverURL);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Drops the database named in `url`, if it exists. */
export async function dropDatabase(url: string): Promise<void> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const connection = await createConnection({ uri: buildDatabaseURL(url, "") });
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${escapeId(database)}`);
  } finally {
    await connection.end();
  }
}

interface MysqlServer {
  readonly url: string;
  /** Stops what was started for the tests, if anything was. */
  stop?(): Promise<void>;
}

// One server per test file's process, shared by the databases the file opens, and
// released with the last of them so a started container does not outlive the file.
let serverPromise: Promise<MysqlServer> | undefined;
let openDatabases = 0;

async function findMysqlServer(): Promise<MysqlServer> {
  serverPromise ??= chooseMysqlServer();
  try {
    return await serverPromise;
  } catch (error) {
    // A failed search is not kept, so a later call looks again.
    serverPromise = undefined;
    throw error;
  }
}

async function releaseMysqlServer(): Promise<void> {
  openDatabases--;
  if (openDatabases > 0 || serverPromise === undefined) return;
  const server = await serverPromise;
  serverPromise = undefined;
  await server.stop?.();
}

async function chooseMysqlServer(): Promise<MysqlServer> {
  const configured = process.env.MYSQL_URL;
  if (configured !== undefined && configured !== "") return { url: configured };

  const docker = await checkDockerEngine();
  if (docker.answers) return startMysqlContainer();

  const local = await checkLocalServer();
  if (local.answers) return { url: localServerURL };

  throw new Error(
    [
      "Integration tests need MySQL, and none was found. Provide one of:",
      "  1. MYSQL_URL=mysql://user:password@host:port (a user allowed to create and drop databases);",
      `  2. a Docker engine, where Testcontainers starts ${mysqlImage} (${docker.reason});`,
      `  3. a MySQL or MariaDB server on 127.0.0.1:3306 accepting root without a password (${local.reason}).`,
    ].join("\n"),
  );
}

async function startMysqlContainer(): Promise<MysqlServer> {
  // Loaded only here: testcontainers is large, and most runs here never need it.
  const { MySqlContainer } = await import("@testcontainers/mysql");
  const container = await new MySqlContainer(mysqlImage).withRootPassword("test").start();
  const url = new URL(container.getConnectionUri(true));
  url.pathname = "/";
  return {
    url: url.toString(),
    async stop(): Promise<void> {
      await container.stop();
    },
  };
}

interface Check {
  readonly answers: boolean;
  readonly reason: string;
}

/**
 * Asks the Docker engine's `/_ping` over its Unix socket, with a short timeout,
 * instead of running Testcontainers' full runtime detection, which waits far longer
 * when there is no engine. A DOCKER_HOST other than a Unix socket (TCP, TLS) is
 * left to Testcontainers to detect.
 */
async function checkDockerEngine(): Promise<Check> {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost !== undefined && dockerHost !== "" && !dockerHost.startsWith("unix://")) {
    return checkWithTestcontainers();
  }
  const candidates =
    dockerHost?.startsWith("unix://") === true
      ? [dockerHost.slice("unix://".length)]
      : dockerSocketCandidates().filter((path) => existsSync(path));
  if (candidates.length === 0) return { answers: false, reason: "no Docker socket found" };
  for (const socketPath of candidates) {
    if (await pingDockerSocket(socketPath)) return { answers: true, reason: `engine at ${socketPath}` };
  }
  return { answers: false, reason: `no engine answered at ${candidates.join(", ")}` };
}

/** Where Testcontainers itself looks for a local engine (rootful, rootless, Docker Desktop). */
function dockerSocketCandidates(): string[] {
  const candidates = ["/var/run/docker.sock"];
  const runtimeDirectory = process.env.XDG_RUNTIME_DIR;
  if (runtimeDirectory !== undefined && runtimeDirectory !== "") {
    candidates.push(join(runtimeDirectory, "docker.sock"));
  }
  candidates.push(join(homedir(), ".docker", "run", "docker.sock"));
  candidates.push(join(homedir(), ".docker", "desktop", "docker.sock"));
  candidates.push(join("/run", "user", String(userInfo().uid), "docker.sock"));
  return candidates;
}

function pingDockerSocket(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ping = request(
      { socketPath, path: "/_ping", method: "GET", timeout: dockerCheckTimeoutMs },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    ping.on("timeout", () => ping.destroy());
    ping.on("error", () => resolve(false));
    ping.end();
  });
}

async function checkWithTestcontainers(): Promise<Check> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          answers: false,
          reason: `DOCKER_HOST did not answer within ${dockerCheckTimeoutMs * 5} ms`,
        }),
      dockerCheckTimeoutMs * 5,
    );
  });
  const detection = getContainerRuntimeClient().then(
    (): Check => ({ answers: true, reason: "engine at DOCKER_HOST" }),
    (error: unknown): Check => ({ answers: false, reason: `DOCKER_HOST: ${describeError(error)}` }),
  );
  try {
    return await Promise.race([detection, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkLocalServer(): Promise<Check> {
  try {
    const connection = await createConnection({
      uri: localServerURL,
      connectTimeout: localServerCheckTimeoutMs,
    });
    try {
      await connection.query("SELECT 1");
    } finally {
      await connection.end();
    }
    return { answers: true, reason: "answered" };
  } catch (error) {
    return { answers: false, reason: describeError(error) };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? `${error.code}: ` : "";
    return `${code}${error.message || error.name}`;
  }
  return String(error);
}
