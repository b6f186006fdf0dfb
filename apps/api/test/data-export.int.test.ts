import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readZip } from "@superoauth/adapter-archive/testing";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import type { HttpApp } from "@superoauth/adapter-http";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import type { Config } from "../src/config.ts";
import { integrationTestConfig } from "./test-config.ts";

type Response = Awaited<ReturnType<HttpApp["inject"]>>;

// The data export through the composed service, on MySQL (project api) and SQLite (api-sqlite):
// routes, the worker, the archive's contents and checksums, takeover after a dead worker, expiry.

const database = useTestDatabase();
const clock = new ManualClock(new Date());
const day = 24 * 3600_000;
let directory: string;
let config: Config;
let service: Service;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "superoauth-export-test-"));
  config = integrationTestConfig({
    DATABASE_URL: database.url(),
    EXPORT_DIR: join(directory, "exports"),
    OUTBOX_DIR: join(directory, "outbox"),
  });
  // This instance never works the queue (so "not ready yet" is observable): a test that needs a
  // worker starts another instance with one (withExportWorker), and stops it before it ends.
  service = await composeService(config, undefined, {
    clock,
    exportWorker: { start: false, pollIntervalMs: 20 },
  });
});
afterAll(async () => {
  await service?.close();
  await rm(directory, { recursive: true, force: true });
});

const password = "Export-test-pass1!";

function call(method: "GET" | "POST", url: string, token?: string, payload?: unknown): Promise<Response> {
  return service.app.inject({
    method,
    url: `/api/v1${url}`,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  });
}

async function register(email: string, nickname: string) {
  const response = await call("POST", "/auth/register", undefined, { email, password, nickname });
  expect(response.statusCode).toBe(201);
  return response.json().data as { accessToken: string; refreshToken: string; user: { id: string } };
}

/**
 * Polls the status route until the export is ready (the worker runs in this process), every 100 ms:
 * the general rate limit (100 requests per IP and window) would answer a faster poll 429 after a
 * few seconds (export-crash.e2e.test.ts met it).
 */
async function untilReady(exportId: string, token: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 90; i++) {
    const status = await call("GET", `/user/export/${exportId}`, token);
    expect(status.statusCode).toBe(200);
    const data = status.json().data;
    if (data.status === "ready") return data;
    expect(["pending", "running"]).toContain(data.status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the export never became ready");
}

/**
 * Runs `work` while another instance on the same database works the export queue, and closes it
 * after (which waits for the mails it queued): no worker outlives the test that started it.
 */
async function withExportWorker<T>(work: (worker: Service) => Promise<T>): Promise<T> {
  const worker = await composeService(config, undefined, { clock, exportWorker: { pollIntervalMs: 20 } });
  try {
    return await work(worker);
  } finally {
    await worker.close();
  }
}

const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("data export", () => {
  it("needs a signed-in caller (401 UNAUTHORIZED)", async () => {
    const response = await call("POST", "/user/export");
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe("UNAUTHORIZED");
  });

  // One story, kept in this order when the run shuffles tests (shuffle: false): Ada's export is
  // queued, refused while pending, written by a worker, then its archive (downloaded once) checked
  // section by section and mailed about; each step reads what the steps before left.
  describe("one account's export, from the request to the archive", { shuffle: false }, () => {
    let ada: Awaited<ReturnType<typeof register>>;
    let exportId = "";
    let archive: Buffer;
    let totpSecret = "";
    let backupCodes: string[] = [];
    let appClientId = "";
    let appSecret = "";

    it("queues an export (202) and answers the same one to a second request", async () => {
      ada = await register("ada-export@example.com", "ada");
      // Stored secrets of every kind, so the scan below has something to find: 2FA and backup codes,
      // a rotated refresh token, a verification token (mailed at registration).
      // (2FA is turned on only on a verified address: the mailed verification token stays unused.)
      await service.storage.users.markEmailVerified({ userId: ada.user.id as UserId, now: clock.now() });
      const setup = await call("POST", "/auth/2fa/setup", ada.accessToken);
      totpSecret = setup.json().data.secret;
      const code = await generateTOTPCode({ secret: totpSecret, now: clock.now() });
      const enabled = await call("POST", "/auth/2fa/enable", ada.accessToken, { code });
      expect(enabled.statusCode).toBe(200);
      backupCodes = enabled.json().data.backupCodes;
      const refreshed = await call("POST", "/auth/refresh", undefined, { refreshToken: ada.refreshToken });
      expect(refreshed.statusCode).toBe(200);
      // An app of hers, whose client secret must not reach the archive (only its settings do).
      const registered = await call("POST", "/apps", ada.accessToken, {
        name: "Ada's printer",
        redirectURIs: ["https://printer.example/callback"],
        allowedScopes: ["openid", "profile"],
        type: "confidential",
      });
      expect(registered.statusCode).toBe(201);
      appClientId = registered.json().data.app.clientId;
      appSecret = registered.json().data.clientSecret;

      const first = await call("POST", "/user/export", ada.accessToken);
      expect(first.statusCode).toBe(202);
      const data = first.json().data;
      expect(data).toMatchObject({ status: "pending", created: true, progress: 0, sha256: null });
      exportId = data.exportId;
      expect(first.headers.location).toBe(`/api/v1/user/export/${exportId}`);
      const second = await call("POST", "/user/export", ada.accessToken);
      expect(second.statusCode).toBe(202);
      expect(second.json().data).toMatchObject({ exportId, status: "pending", created: false });
    });

    it("refuses the download before the archive is ready (409 EXPORT_NOT_READY)", async () => {
      const response = await call("GET", `/user/export/${exportId}/download`, ada.accessToken);
      expect(response.statusCode).toBe(409);
      expect(response.json().error).toBe("EXPORT_NOT_READY");
    });

    it("answers another user's export id and an unknown one with 404 EXPORT_NOT_FOUND", async () => {
      const eve = await register("eve-export@example.com", "eve");
      for (const url of [
        `/user/export/${exportId}`,
        `/user/export/${exportId}/download`,
        "/user/export/0190a000-0000-7000-8000-000000000000",
      ]) {
        const response = await call("GET", url, eve.accessToken);
        expect(response.statusCode).toBe(404);
        expect(response.json().error).toBe("EXPORT_NOT_FOUND");
      }
    });

    it("is written by the worker and downloaded with its SHA-256 in the headers", async () => {
      await withExportWorker(async (worker) => {
        const ready = await untilReady(exportId, ada.accessToken);
        expect(ready).toMatchObject({
          progress: 100,
          expiresAt: new Date(clock.now().getTime() + 7 * day).toISOString(),
        });
        const response = await call("GET", `/user/export/${exportId}/download`, ada.accessToken);
        expect(response.statusCode).toBe(200);
        expect(response.headers["content-type"]).toBe("application/zip");
        expect(response.headers["content-disposition"]).toBe(
          `attachment; filename="superoauth-export-${exportId}.zip"`,
        );
        expect(response.headers["cache-control"]).toBe("no-store");
        archive = response.rawPayload;
        expect(archive.length).toBe(ready.sizeBytes);
        expect(sha256(archive)).toBe(ready.sha256);
        expect(response.headers["x-content-sha256"]).toBe(ready.sha256);
        expect(response.headers["repr-digest"]).toBe(
          `sha-256=:${Buffer.from(String(ready.sha256), "hex").toString("base64")}:`,
        );
        // The worker reports the finished job to its instance's metrics once its turn returns
        // (just after "ready"): this job, the first that instance finished.
        const succeeded = 'superoauth_export_jobs_total{outcome="succeeded"} 1';
        let metrics = "";
        for (let i = 0; i < 100 && !metrics.includes(succeeded); i++) {
          metrics = (await worker.app.inject({ method: "GET", url: "/metrics" })).body;
          if (!metrics.includes(succeeded)) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(metrics).toContain(succeeded);
      });
    });

    it("holds every section, each file matching the manifest's SHA-256", async () => {
      const files = await readZip(archive);
      expect([...files.keys()]).toEqual([
        "profile.json",
        "linked-providers.json",
        "sessions.json",
        "security-events.json",
        "staff-actions.json",
        "authorized-apps.json",
        "owned-apps.json",
        "sign-in-sources.json",
        "README.txt",
        "manifest.json",
        "SHA256SUMS",
      ]);
      expect(JSON.parse(files.get("owned-apps.json") ?? "")).toMatchObject([
        { clientId: appClientId, name: "Ada's printer", redirectURIs: ["https://printer.example/callback"] },
      ]);
      expect(JSON.parse(files.get("authorized-apps.json") ?? "")).toEqual([]);
      // Ada never acted as staff.
      expect(JSON.parse(files.get("staff-actions.json") ?? "")).toEqual([]);
      const manifest = JSON.parse(files.get("manifest.json") ?? "");
      expect(manifest).toMatchObject({
        format: "superoauth-account-export",
        version: 1,
        exportId,
        userId: ada.user.id,
      });
      for (const file of manifest.files) {
        const content = files.get(file.name) ?? "";
        expect(sha256(content)).toBe(file.sha256);
        expect(Buffer.byteLength(content)).toBe(file.sizeBytes);
      }
      expect(files.get("SHA256SUMS")).toBe(
        manifest.files.map((f: { sha256: string; name: string }) => `${f.sha256}  ${f.name}\n`).join(""),
      );
      expect(JSON.parse(files.get("profile.json") ?? "")).toMatchObject({
        id: ada.user.id,
        email: "ada-export@example.com",
        hasPassword: true,
        twoFactor: { enabled: true, backupCodesRemaining: 10 },
      });
      const events = JSON.parse(files.get("security-events.json") ?? "");
      expect(events.map((e: { type: string }) => e.type)).toContain("two_factor_enabled");
      expect(JSON.parse(files.get("sessions.json") ?? "")).toHaveLength(1);
    });

    it("detects a flipped byte: the archive's hash changes, and a changed file no longer matches the manifest", async () => {
      const flipped = Buffer.from(archive);
      const at = Math.floor(flipped.length / 2);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      expect(sha256(flipped)).not.toBe(sha256(archive));
      const files = await readZip(archive);
      const manifest = JSON.parse(files.get("manifest.json") ?? "");
      const profile = Buffer.from(files.get("profile.json") ?? "");
      profile[10] = (profile[10] ?? 0) ^ 0x01;
      expect(sha256(profile)).not.toBe(manifest.files[0].sha256);
    });

    it("contains no stored secret or hash of the account, and none of its live tokens or codes", async () => {
      const db = database.db();
      const stored = [
        ...(await db.selectFrom("users").select("password_hash").execute()).map((r) => r.password_hash),
        ...(await db.selectFrom("totp_factors").select("encrypted_secret").execute()).map(
          (r) => r.encrypted_secret,
        ),
        ...(await db.selectFrom("backup_codes").select(["code_hash", "lookup_id"]).execute()).flatMap((r) => [
          r.code_hash,
          r.lookup_id,
        ]),
        ...(
          await db.selectFrom("refresh_tokens").select(["secret_hash", "encrypted_secret"]).execute()
        ).flatMap((r) => [r.secret_hash, r.encrypted_secret]),
        ...(await db.selectFrom("email_tokens").select("secret_hash").execute()).map((r) => r.secret_hash),
        ...(await db.selectFrom("apps").select("secret_hash").execute()).map((r) => r.secret_hash),
      ].filter((value): value is string => typeof value === "string" && value.length >= 8);
      expect(stored.length).toBeGreaterThanOrEqual(15);
      const presented = [ada.accessToken, ada.refreshToken, totpSecret, ...backupCodes, appSecret];
      const texts = [...(await readZip(archive)).values(), archive.toString("latin1")];
      for (const secret of [...stored, ...presented]) {
        for (const text of texts)
          expect(text.includes(secret), `a secret (${secret.slice(0, 6)}...) leaked`).toBe(false);
      }
    });

    it("mails the owner that the export is ready, with its checksum", async () => {
      const outbox = join(directory, "outbox");
      const mails = await Promise.all(
        (await readdir(outbox))
          .filter((n) => n.endsWith(".txt"))
          .map((n) => readFile(join(outbox, n), "utf8")),
      );
      // Hers: the other tests' exports are mailed to their own accounts.
      const ready = mails.filter(
        (m) => m.includes("Your data export is ready") && m.includes("ada-export@example.com"),
      );
      expect(ready).toHaveLength(1);
      expect(ready[0]).toContain(sha256(archive));
    });

    it("queues a new export once the previous one is ready", async () => {
      const again = await call("POST", "/user/export", ada.accessToken);
      expect(again.statusCode).toBe(202);
      expect(again.json().data).toMatchObject({ created: true });
      expect(again.json().data.exportId).not.toBe(exportId);
      await withExportWorker(() => untilReady(again.json().data.exportId, ada.accessToken));
    });
  });

  it("needs a fresh proof to request (401 REAUTH_REQUIRED), not to read or download", async () => {
    await register("fresh-proof-export@example.com", "fresh");
    const login = await call("POST", "/auth/login", undefined, {
      email: "fresh-proof-export@example.com",
      password,
    });
    const token = login.json().data.accessToken;
    const queued = await call("POST", "/user/export", token);
    expect(queued.statusCode).toBe(202);
    const id = queued.json().data.exportId;
    await withExportWorker(() => untilReady(id, token));
    clock.advance(6 * 60_000);
    // A refreshed access token: its session is live, its last proof is not recent.
    const refreshed = await call("POST", "/auth/refresh", undefined, {
      refreshToken: login.json().data.refreshToken,
    });
    const later = refreshed.json().data.accessToken;
    const refused = await call("POST", "/user/export", later);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe("REAUTH_REQUIRED");
    expect((await call("GET", `/user/export/${id}`, later)).statusCode).toBe(200);
    expect((await call("GET", `/user/export/${id}/download`, later)).statusCode).toBe(200);
  });

  it("takes over a job whose worker died: the lease lapses and another attempt finishes it", async () => {
    const { accessToken: token } = await register("takeover-export@example.com", "takeover");
    // No worker runs now (this file's service has none; a test's worker ends with the test): the
    // job stays queued for the dying worker below to claim.
    const queued = await call("POST", "/user/export", token);
    expect(queued.statusCode).toBe(202);
    const id = queued.json().data.exportId;
    // A worker claims it and dies (nothing renews the lease, nothing completes it).
    const dead = await service.storage.exportJobs.claimExportJob({
      now: clock.now(),
      leaseToken: "dead-worker",
      leaseExpiresAt: new Date(clock.now().getTime() + 60_000),
      maxAttempts: 3,
      failedExpiresAt: new Date(clock.now().getTime() + 7 * day),
    });
    expect(dead?.id).toBe(id);
    clock.advance(60_000);
    await withExportWorker(async () => {
      const ready = await untilReady(id, token);
      expect(ready.status).toBe("ready");
      const row = await database
        .db()
        .selectFrom("export_jobs")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      expect(Number(row.attempts)).toBe(2);
    });
  });

  it("deleting the account deletes its export jobs and their archive files", async () => {
    const exports = join(directory, "exports");
    await withExportWorker(async (worker) => {
      const gone = await register("gone-export@example.com", "gone");
      const queued = await call("POST", "/user/export", gone.accessToken);
      expect(queued.statusCode).toBe(202);
      const id = queued.json().data.exportId as string;
      await untilReady(id, gone.accessToken);
      expect((await readdir(exports)).filter((file) => file.startsWith(id))).toHaveLength(1);

      const deleted = await worker.app.inject({
        method: "DELETE",
        url: "/api/v1/user",
        headers: { authorization: `Bearer ${gone.accessToken}` },
      });

      expect(deleted.statusCode, deleted.body).toBe(200);
      expect((await readdir(exports)).filter((file) => file.startsWith(id))).toEqual([]);
      expect(
        await database.db().selectFrom("export_jobs").select("id").where("id", "=", id).execute(),
      ).toEqual([]);
    });
  });

  it("removes archives past EXPORT_TTL and answers 410 EXPORT_EXPIRED", async () => {
    const exports = join(directory, "exports");
    // Two ready archives of an account of its own (the second queued once the first is ready).
    const tess = await register("ttl-export@example.com", "tess");
    const ids = await withExportWorker(async () => {
      const queuedIds: string[] = [];
      for (let i = 0; i < 2; i++) {
        const queued = await call("POST", "/user/export", tess.accessToken);
        expect(queued.statusCode).toBe(202);
        queuedIds.push(queued.json().data.exportId);
        await untilReady(queued.json().data.exportId, tess.accessToken);
      }
      return queuedIds;
    });
    expect((await readdir(exports)).filter((file) => ids.some((id) => file.startsWith(id)))).toHaveLength(2);
    clock.advance(7 * day + 60_000);
    // The prune runs when a service starts (and hourly).
    const next = await composeService(config, undefined, { clock, exportWorker: { start: false } });
    try {
      // Files are removed first, then the jobs marked: wait for the marks.
      const statuses = async () =>
        new Set(
          (await database.db().selectFrom("export_jobs").select("status").execute()).map((s) => s.status),
        );
      for (let i = 0; i < 200 && (await statuses()).has("ready"); i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await statuses()).toEqual(new Set(["expired"]));
      expect(await readdir(exports)).toEqual([]);
      const login = await next.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "ttl-export@example.com", password },
      });
      const token = login.json().data.accessToken;
      const expired = await database
        .db()
        .selectFrom("export_jobs")
        .innerJoin("users", "users.id", "export_jobs.user_id")
        .select("export_jobs.id")
        .where("users.nickname", "=", "tess")
        .execute();
      for (const { id } of expired) {
        const gone = await next.app.inject({
          url: `/api/v1/user/export/${id}/download`,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(gone.statusCode).toBe(410);
        expect(gone.json().error).toBe("EXPORT_EXPIRED");
      }
      expect(expired.length).toBe(2);
    } finally {
      await next.close();
    }
  });
});
