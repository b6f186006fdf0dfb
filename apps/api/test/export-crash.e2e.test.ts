import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readZip } from "@superoauth/adapter-archive/testing";
import { createTestDatabase, type TestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedSecurityEvents } from "./security-event-rows.ts";
import { type RunningServer, startServerProcess } from "./server-process.ts";
import { integrationTestSecrets } from "./test-config.ts";

// Issue 10: "a worker killed mid-job and the job finishing afterwards", with a real crash. The
// service runs as its own process on MySQL; an account large enough that its export takes seconds
// is exported; the process is SIGKILLed while the archive is half written (no shutdown hook runs,
// the job stays `running` under a lease nobody renews); a new process takes the job over once the
// lease (EXPORT_LEASE, short here) lapses and finishes it.

/** Enough events that the export is caught mid-write on a fast machine, few enough for a bounded test. */
const eventCount = 10_000;

let database: TestDatabase;
let directory: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrate: true });
  directory = await mkdtemp(join(tmpdir(), "superoauth-export-crash-"));
});
afterAll(async () => {
  for (const server of servers) await server.kill();
  await database?.drop();
  await rm(directory, { recursive: true, force: true });
});

const exportDirectory = () => join(directory, "exports");

async function start(): Promise<RunningServer> {
  const server = await startServerProcess({
    env: {
      ...integrationTestSecrets,
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      EXPORT_DIR: exportDirectory(),
      OUTBOX_DIR: join(directory, "outbox"),
      EXPORT_LEASE: "2s",
    },
  });
  servers.push(server);
  return server;
}

async function call(server: RunningServer, method: string, path: string, token?: string, body?: unknown) {
  return fetch(`${server.baseURL}/api/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
}

/** The `data` of a success envelope. */
async function dataOf<T>(response: Response): Promise<T> {
  return ((await response.json()) as { data: T }).data;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls every `intervalMs` until `found` answers something other than undefined; fails after
 * `timeoutMs`. The API is polled no faster than every 250 ms: its general rate limit (100 requests
 * per IP and window) answered 429 to a 10 ms poll within the two seconds of the lease.
 */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  found: () => Promise<T | undefined>,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

describe("a data export whose worker is killed mid-job", () => {
  // Two process starts dominate: about 2 s each on a quiet machine, 10 s on a loaded one.
  it("is taken over by the next process once its lease lapses, and finishes ready with a correct checksum", {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const registered = await call(first, "POST", "/auth/register", undefined, {
      email: "crash-export@example.com",
      password: "Crash-export-pass1!",
      nickname: "crash",
    });
    expect(registered.status).toBe(201);
    const { accessToken, user } = await dataOf<{ accessToken: string; user: { id: string } }>(registered);
    await seedSecurityEvents(database.db, { userId: user.id, count: eventCount });

    const requested = await call(first, "POST", "/user/export", accessToken);
    expect(requested.status).toBe(202);
    const { exportId } = await dataOf<{ exportId: string }>(requested);

    // The request wakes this process's worker: wait until its archive is half written on disk.
    const partial = await waitFor("the export's .partial file", 15_000, async () => {
      const names = await readdir(exportDirectory()).catch(() => [] as string[]);
      return names.find((name) => name.startsWith(exportId) && name.endsWith(".partial"));
    });
    await first.kill();

    const job = () =>
      database.db
        .selectFrom("export_jobs")
        .select(["status", "attempts", "lease_expires_at", "file_key"])
        .where("id", "=", exportId)
        .executeTakeFirstOrThrow();
    const dead = await job();
    // Caught mid-job: still running, one attempt spent, its half-written file left behind.
    expect(dead).toMatchObject({ status: "running", attempts: 1, file_key: null });
    expect(await readdir(exportDirectory())).toContain(partial);

    const second = await start();
    const ready = await waitFor(
      "the export to be ready",
      25_000,
      async () => {
        const response = await call(second, "GET", `/user/export/${exportId}`, accessToken);
        expect(response.status).toBe(200);
        const data = await dataOf<{ status: string; sha256: string; sizeBytes: number }>(response);
        expect(["pending", "running", "ready"]).toContain(data.status);
        return data.status === "ready" ? data : undefined;
      },
      250,
    );

    // Taken over, not restarted from scratch by the dead process: a second attempt finished it.
    expect(await job()).toMatchObject({ status: "ready", attempts: 2 });
    const download = await call(second, "GET", `/user/export/${exportId}/download`, accessToken);
    expect(download.status).toBe(200);
    const archive = Buffer.from(await download.arrayBuffer());
    const digest = createHash("sha256").update(archive).digest("hex");
    expect(archive.length).toBe(ready.sizeBytes);
    expect(digest).toBe(ready.sha256);
    expect(download.headers.get("x-content-sha256")).toBe(digest);
    // Whole: every seeded event (and the registration's own) is in it, each file matching the manifest.
    const files = await readZip(archive);
    const events = JSON.parse(files.get("security-events.json") ?? "[]") as unknown[];
    expect(events.length).toBeGreaterThanOrEqual(eventCount);
    const manifest = JSON.parse(files.get("manifest.json") ?? "{}") as {
      files: { name: string; sha256: string }[];
    };
    for (const file of manifest.files) {
      expect(
        createHash("sha256")
          .update(files.get(file.name) ?? "")
          .digest("hex"),
      ).toBe(file.sha256);
    }
    // The dead attempt's .partial is gone; only the finished archive is left.
    const { file_key: fileKey } = await job();
    expect(await readdir(exportDirectory())).toEqual([fileKey]);
    expect(await second.stop()).toBe(0);
  });
});
