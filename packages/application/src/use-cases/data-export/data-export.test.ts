import {
  createExportJob,
  exportAllowanceWindowMs,
  maxExportsPerWindow,
  type Session,
  type SessionId,
  type UserId,
} from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { makePublicApp } from "../../testing/fixtures.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { authorizeAppForTest } from "../../testing/in-memory-apps.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import { requestEmailChange } from "../account/request-email-change.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { expireDataExports } from "./expire-data-exports.ts";
import { getDataExport } from "./get-data-export.ts";
import { getDataExportAllowance } from "./get-data-export-allowance.ts";
import { listDataExports, listedDataExportsLimit } from "./list-data-exports.ts";
import { openDataExportArchive } from "./open-data-export-archive.ts";
import { requestDataExport } from "./request-data-export.ts";
import { runNextDataExport } from "./run-next-data-export.ts";
import { exportSections, securityEventPageSize } from "./steps/export-sections.ts";
import { orphanedArchiveGraceMs, sweepOrphanedExportArchives } from "./sweep-orphaned-export-archives.ts";

const day = 24 * 3600_000;

async function withAccount() {
  const deps = createInMemoryDependencies();
  const account = await registerAccount(deps);
  const requested = unwrap(await requestDataExport(deps, { session: account.session }));
  return { deps, account, userId: account.session.userId, exportId: requested.export.exportId };
}

/** The files of the ready archive of an export. */
function filesOf(deps: ReturnType<typeof createInMemoryDependencies>, exportId: string) {
  const key = deps.exportJobs.get(exportId)?.fileKey;
  const files = key == null ? undefined : deps.exportArchives.archive(key);
  if (files === undefined) throw new Error("no archive");
  return files;
}

describe("requestDataExport", () => {
  it("queues a pending export and wakes the worker", async () => {
    const { deps, exportId } = await withAccount();
    expect(deps.exportJobs.get(exportId)).toMatchObject({ status: "pending", attempts: 0 });
    expect(deps.exportWorker.queued).toBe(1);
  });

  it("an account deleted while the request was on its way: INVALID_TOKEN, as its ended session, and no worker woken", async () => {
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps);
    deps.exportJobs.enqueueExportJob = async () => ({ created: false, job: null, accountGone: true });
    const answer = await requestDataExport(deps, { session: account.session });
    expect(answer).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
      message: "This session has ended; sign in again",
    });
    expect(deps.exportWorker.queued).toBe(0);
  });

  it("answers the active export to a second request, queuing nothing", async () => {
    const { deps, account, exportId } = await withAccount();
    const again = unwrap(await requestDataExport(deps, { session: account.session }));
    expect(again).toMatchObject({ created: false, export: { exportId, status: "pending" } });
    expect(deps.exportWorker.queued).toBe(1);
  });

  /** Requests an export as the account, its proof renewed (the allowance spans a day, a proof minutes). */
  async function requestAsOf(deps: Awaited<ReturnType<typeof withAccount>>["deps"], session: Session) {
    return requestDataExport(deps, { session: { ...session, authenticatedAt: deps.clock.now() } });
  }

  it("starts five exports a day, then answers RATE_LIMIT_EXCEEDED until the oldest counted one is a day old", async () => {
    const { deps, account, userId } = await withAccount();
    const hour = 3600_000;
    const first = deps.clock.now().getTime();
    unwrap(await runNextDataExport(deps, {}));
    for (let i = 1; i < maxExportsPerWindow; i++) {
      deps.clock.advance(hour);
      expect(unwrap(await requestAsOf(deps, account.session)).created).toBe(true);
      unwrap(await runNextDataExport(deps, {}));
    }
    deps.clock.advance(hour);
    const refused = await requestAsOf(deps, account.session);
    // The first export, five hours ago, leaves the window nineteen hours from now.
    expect(refused).toEqual({
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
      message:
        "You have started 5 data exports in the last 24 hours, the most allowed. You can start another in 19 hours.",
      retryAfterSeconds: (first + exportAllowanceWindowMs - deps.clock.now().getTime()) / 1000,
    });
    expect(await listDataExports(deps, { userId })).toHaveLength(maxExportsPerWindow);
    expect(deps.exportWorker.queued).toBe(maxExportsPerWindow);

    deps.clock.set(new Date(first + exportAllowanceWindowMs - 1));
    expect(await requestAsOf(deps, account.session)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    deps.clock.set(new Date(first + exportAllowanceWindowMs));
    expect(unwrap(await requestAsOf(deps, account.session)).created).toBe(true);
  });

  it("answers the active export past the allowance: asking again starts nothing, so is not refused", async () => {
    const { deps, account } = await withAccount();
    for (let i = 1; i < maxExportsPerWindow; i++) {
      unwrap(await runNextDataExport(deps, {}));
      deps.clock.advance(60_000);
      unwrap(await requestAsOf(deps, account.session));
    }
    // The fifth is pending: asking again answers it.
    const again = unwrap(await requestAsOf(deps, account.session));
    expect(again).toMatchObject({ created: false, export: { status: "pending" } });
    unwrap(await runNextDataExport(deps, {}));
    expect(await requestAsOf(deps, account.session)).toMatchObject({
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
    });
  });

  it("does not count an export that failed on our side: its owner may try again", async () => {
    const { deps, account, userId } = await withAccount();
    // The first one fails on every attempt; four more are made.
    deps.exportArchives.beforeEntry = async () => {
      throw new Error("disk full");
    };
    for (let attempt = 0; attempt < 3; attempt++) unwrap(await runNextDataExport(deps, {}));
    deps.exportArchives.beforeEntry = undefined;
    expect((await listDataExports(deps, { userId }))[0]?.status).toBe("failed");
    for (let i = 0; i < maxExportsPerWindow - 1; i++) {
      expect(unwrap(await requestAsOf(deps, account.session)).created).toBe(true);
      unwrap(await runNextDataExport(deps, {}));
    }
    expect(await getDataExportAllowance(deps, { userId })).toBeNull();
    expect(unwrap(await requestAsOf(deps, account.session)).created).toBe(true);
    unwrap(await runNextDataExport(deps, {}));
    expect(await requestAsOf(deps, account.session)).toMatchObject({
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
    });
    expect(await listDataExports(deps, { userId })).toHaveLength(maxExportsPerWindow + 1);
  });

  it("getDataExportAllowance answers null while another may start, then the refusal a request would get", async () => {
    const { deps, account, userId } = await withAccount();
    for (let i = 1; i < maxExportsPerWindow; i++) {
      expect(await getDataExportAllowance(deps, { userId })).toBeNull();
      unwrap(await runNextDataExport(deps, {}));
      deps.clock.advance(60_000);
      unwrap(await requestAsOf(deps, account.session));
    }
    unwrap(await runNextDataExport(deps, {}));
    const spent = await getDataExportAllowance(deps, { userId });
    expect(spent).toEqual(await requestAsOf(deps, account.session));
    expect(spent).toMatchObject({
      error: "RATE_LIMIT_EXCEEDED",
      retryAfterSeconds: (day - 4 * 60_000) / 1000,
    });
  });

  it("counts each account's exports apart", async () => {
    const { deps, account } = await withAccount();
    for (let i = 1; i < maxExportsPerWindow; i++) {
      unwrap(await runNextDataExport(deps, {}));
      unwrap(await requestAsOf(deps, account.session));
    }
    unwrap(await runNextDataExport(deps, {}));
    expect(await requestAsOf(deps, account.session)).toMatchObject({
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
    });
    const other = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });
    expect(unwrap(await requestAsOf(deps, other.session)).created).toBe(true);
  });

  it("needs a fresh proof (REAUTH_REQUIRED), and queues nothing without one", async () => {
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    const result = await requestDataExport(deps, { session: account.session });
    expect(result).toMatchObject({ ok: false, error: "REAUTH_REQUIRED" });
    expect(deps.exportWorker.queued).toBe(0);
  });
});

describe("getDataExport and openDataExportArchive", () => {
  it("answer another user's export and an unknown id alike: EXPORT_NOT_FOUND", async () => {
    const { deps, exportId } = await withAccount();
    const other = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });
    for (const input of [
      { userId: other.session.userId, exportId },
      { userId: other.session.userId, exportId: "0190a000-0000-7000-8000-000000000000" },
    ]) {
      expect(await getDataExport(deps, input)).toMatchObject({ ok: false, error: "EXPORT_NOT_FOUND" });
      expect(await openDataExportArchive(deps, input)).toMatchObject({
        ok: false,
        error: "EXPORT_NOT_FOUND",
      });
    }
  });

  it("refuse to download before the archive is ready (EXPORT_NOT_READY), then give it with its hash", async () => {
    const { deps, userId, exportId } = await withAccount();
    expect(await openDataExportArchive(deps, { userId, exportId })).toMatchObject({
      ok: false,
      error: "EXPORT_NOT_READY",
    });
    expect(unwrap(await runNextDataExport(deps, {}))).toEqual({ outcome: "ready", exportId });
    const summary = unwrap(await getDataExport(deps, { userId, exportId }));
    expect(summary).toMatchObject({
      status: "ready",
      progress: 100,
      expiresAt: new Date(deps.clock.now().getTime() + 7 * day),
    });
    const archive = unwrap(await openDataExportArchive(deps, { userId, exportId }));
    expect(archive).toMatchObject({ sha256: summary.sha256, sizeBytes: summary.sizeBytes });
    expect(archive.fileName).toBe(`superoauth-export-${exportId}.zip`);
  });

  it("answer EXPORT_EXPIRED from the expiry on, before and after the prune removed the archive", async () => {
    const { deps, userId, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    const key = deps.exportJobs.get(exportId)?.fileKey ?? "";
    deps.clock.advance(7 * day);
    expect(unwrap(await getDataExport(deps, { userId, exportId }))).toMatchObject({
      status: "expired",
      sha256: null,
      sizeBytes: null,
    });
    expect(await openDataExportArchive(deps, { userId, exportId })).toMatchObject({
      ok: false,
      error: "EXPORT_EXPIRED",
    });
    expect(unwrap(await expireDataExports(deps, {}))).toEqual({ expired: 1 });
    expect(deps.exportArchives.archive(key)).toBeUndefined();
    expect(deps.exportJobs.get(exportId)?.status).toBe("expired");
    expect(await openDataExportArchive(deps, { userId, exportId })).toMatchObject({
      error: "EXPORT_EXPIRED",
    });
    expect(unwrap(await expireDataExports(deps, {}))).toEqual({ expired: 0 });
  });

  it("answer EXPORT_EXPIRED, not EXPORT_NOT_READY, for a ready export whose archive was removed before its expiry", async () => {
    const { deps, userId, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    await deps.exportArchives.removeArchive(deps.exportJobs.get(exportId)?.fileKey ?? "");
    expect(deps.exportJobs.get(exportId)?.status).toBe("ready");
    expect(await openDataExportArchive(deps, { userId, exportId })).toMatchObject({
      ok: false,
      error: "EXPORT_EXPIRED",
    });
  });

  it("keep an archive until its expiry", async () => {
    const { deps, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    deps.clock.advance(7 * day - 1);
    expect(unwrap(await expireDataExports(deps, {}))).toEqual({ expired: 0 });
    expect(deps.exportJobs.get(exportId)?.status).toBe("ready");
  });
});

describe("sweepOrphanedExportArchives", () => {
  /** An archive written straight into the store, as an attempt (or an earlier release) left it. */
  const strayArchive = async (deps: ReturnType<typeof createInMemoryDependencies>, exportId: string) =>
    (await deps.exportArchives.writeArchive({ exportId, entries: [], closingEntries: () => [] })).fileKey;

  it("removes, once more than an hour old, the archives of jobs gone or expired, and keeps those of every other job", async () => {
    const { deps, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    const readyKey = deps.exportJobs.get(exportId)?.fileKey ?? "";
    // A job whose row went (an account deletion killed between its two steps, before 2026-12-03).
    const goneKey = await strayArchive(deps, "0190a000-0000-7000-8000-0000000000aa");
    // A pending job's archive, as if an attempt were writing it.
    const other = await registerAccount(deps, { email: "other@example.com" });
    const pendingId = unwrap(await requestDataExport(deps, { session: other.session })).export.exportId;
    const pendingKey = await strayArchive(deps, pendingId);

    deps.clock.advance(orphanedArchiveGraceMs);
    expect(unwrap(await sweepOrphanedExportArchives(deps, {}))).toEqual({ removed: 0 });
    expect(deps.exportArchives.keys().sort()).toEqual([goneKey, pendingKey, readyKey].sort());
    deps.clock.advance(1);
    expect(unwrap(await sweepOrphanedExportArchives(deps, {}))).toEqual({ removed: 1 });
    expect(deps.exportArchives.keys().sort()).toEqual([pendingKey, readyKey].sort());

    // The ready export expires; an attempt that had lost its lease on it, killed before it removed
    // its archive, left one behind.
    deps.clock.advance(7 * day);
    expect(unwrap(await expireDataExports(deps, {}))).toEqual({ expired: 1 });
    const leftoverKey = await strayArchive(deps, exportId);
    expect(unwrap(await sweepOrphanedExportArchives(deps, {}))).toEqual({ removed: 0 });
    deps.clock.advance(orphanedArchiveGraceMs + 1);
    expect(unwrap(await sweepOrphanedExportArchives(deps, {}))).toEqual({ removed: 1 });
    expect(deps.exportArchives.archive(leftoverKey)).toBeUndefined();
    expect(deps.exportArchives.keys()).toEqual([pendingKey]);
  });

  it("checks the ids against the jobs in batches, however many files there are", async () => {
    const deps = createInMemoryDependencies();
    const asked: number[] = [];
    const owning = deps.exportJobs.findExportJobsOwningFiles.bind(deps.exportJobs);
    deps.exportJobs.findExportJobsOwningFiles = async (ids) => {
      asked.push(ids.length);
      return owning(ids);
    };
    for (let i = 0; i < 1001; i++)
      await strayArchive(deps, `0190a000-0000-7000-8000-${String(i).padStart(12, "0")}`);
    deps.clock.advance(orphanedArchiveGraceMs + 1);
    expect(unwrap(await sweepOrphanedExportArchives(deps, {}))).toEqual({ removed: 1001 });
    expect(asked).toEqual([500, 500, 1]);
    expect(deps.exportArchives.keys()).toEqual([]);
  });
});

describe("listDataExports", () => {
  it("lists the caller's exports newest first, each as getDataExport answers it, and no one else's", async () => {
    const { deps, account, userId, exportId: first } = await withAccount();
    const other = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });
    unwrap(await runNextDataExport(deps, {}));
    deps.clock.advance(60_000);
    const second = unwrap(await requestDataExport(deps, { session: account.session })).export.exportId;

    const listed = await listDataExports(deps, { userId });
    expect(listed.map((summary) => [summary.exportId, summary.status])).toEqual([
      [second, "pending"],
      [first, "ready"],
    ]);
    expect(listed[1]).toEqual(unwrap(await getDataExport(deps, { userId, exportId: first })));
    expect(await listDataExports(deps, { userId: other.session.userId })).toEqual([]);

    // A ready export past its expiry is listed as expired, as getDataExport says it.
    deps.clock.advance(deps.settings.dataExport.ttlMs);
    expect((await listDataExports(deps, { userId }))[1]).toMatchObject({
      exportId: first,
      status: "expired",
    });
  });

  it("lists at most the latest twenty", async () => {
    const { deps, userId } = await withAccount();
    // Queued straight into the store: the allowance would take four days to start so many.
    for (let i = 0; i < listedDataExportsLimit + 2; i++) {
      unwrap(await runNextDataExport(deps, {}));
      deps.clock.advance(1000);
      const job = createExportJob({ id: deps.random.generateId(), userId, requestedAt: deps.clock.now() });
      expect((await deps.exportJobs.enqueueExportJob(job)).created).toBe(true);
    }
    const listed = await listDataExports(deps, { userId });
    expect(listedDataExportsLimit).toBe(20);
    expect(listed).toHaveLength(listedDataExportsLimit);
    expect(listed[0]?.status).toBe("pending");
    expect(listed.slice(1).every((summary) => summary.status === "ready")).toBe(true);
  });
});

describe("runNextDataExport", () => {
  it("is idle with nothing queued", async () => {
    const deps = createInMemoryDependencies();
    expect(unwrap(await runNextDataExport(deps, {}))).toEqual({ outcome: "idle" });
  });

  it("writes every section, a manifest of their hashes and SHA256SUMS, and mails the owner", async () => {
    const { deps, userId, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    const files = filesOf(deps, exportId);
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
    const profile = JSON.parse(files.get("profile.json") ?? "");
    expect(profile).toMatchObject({
      id: userId,
      email: "ada@example.com",
      nickname: "ada",
      role: "user",
      pendingEmailChange: null,
      hasPassword: true,
      twoFactor: { enabled: false, backupCodesRemaining: 0 },
    });
    expect(JSON.parse(files.get("sessions.json") ?? "")).toHaveLength(1);
    // The sign-up made its network a known source (ADR 0016).
    expect(JSON.parse(files.get("sign-in-sources.json") ?? "")).toEqual([
      { source: "ip:127.0.0.1", lastSeenAt: expect.any(String) },
    ]);
    expect(JSON.parse(files.get("linked-providers.json") ?? "")).toEqual([]);
    // Never acted as staff: the file is there, empty, as in every archive.
    expect(JSON.parse(files.get("staff-actions.json") ?? "")).toEqual([]);
    const manifest = JSON.parse(files.get("manifest.json") ?? "");
    expect(manifest).toMatchObject({ format: "superoauth-account-export", version: 1, exportId, userId });
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual([
      "profile.json",
      "linked-providers.json",
      "sessions.json",
      "security-events.json",
      "staff-actions.json",
      "authorized-apps.json",
      "owned-apps.json",
      "sign-in-sources.json",
      "README.txt",
    ]);
    const sums = (files.get("SHA256SUMS") ?? "").trim().split("\n");
    expect(sums).toEqual(
      manifest.files.map((f: { sha256: string; name: string }) => `${f.sha256}  ${f.name}`),
    );
    const mail = deps.mailer.sent.at(-1);
    expect(mail).toMatchObject({ to: "ada@example.com", subject: "Your data export is ready" });
    expect(mail?.text).toContain(deps.exportJobs.get(exportId)?.sha256 ?? "missing");
    expect(mail?.text).toContain(
      `Download my data: http://localhost:3000/account/export?account=${deps.accountLinkMark(userId)}\n`,
    );
  });

  it("explains every file in README.txt, in words: times in UTC, what an id is, the codes of a sign-in and a device", async () => {
    const { deps, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    const readme = filesOf(deps, exportId).get("README.txt") ?? "";
    for (const section of exportSections) expect(readme).toContain(`${section.file}: `);
    expect(readme).toContain('"Z" for UTC');
    expect(readme).toContain('An "id" is the number the service gives a record');
    expect(readme.replace(/\s+/g, " ")).toContain("pwd: password, fed: another service, otp and mfa: a code");
    expect(readme.replace(/\s+/g, " ")).toContain("device:<code> a browser or app");
    expect(readme).toContain("sha256sum -c SHA256SUMS");
    expect(readme.replace(/\s+/g, " ")).toContain(
      "and the two-step secret encrypted; none of them is in this copy",
    );
    for (const line of readme.split("\n")) expect(line.length).toBeLessThanOrEqual(78);
  });

  it("lists the apps the person lets act for them, not one whose grant has ended", async () => {
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps, { verified: true });
    const userId = account.session.userId;
    const [live, ended] = [
      makePublicApp(userId, { name: "Printer" }),
      makePublicApp(userId, { name: "Scanner" }),
    ];
    for (const app of [live, ended]) {
      await deps.apps.createApp(app);
      const grant = { grantId: `grant-${app.clientId}`, scopes: ["openid"] as const, now: deps.clock.now() };
      await authorizeAppForTest(deps, { userId, clientId: app.clientId, ...grant });
    }
    // The app revoked its refresh token: the provider destroyed the grant, and the app must ask again.
    await deps.oidcModels.destroy({ model: "Grant", id: `grant-${ended.clientId}` });
    const requested = unwrap(await requestDataExport(deps, { session: account.session }));
    await runNextDataExport(deps, {});
    const apps = JSON.parse(filesOf(deps, requested.export.exportId).get("authorized-apps.json") ?? "");
    expect(apps).toEqual([
      {
        clientId: live.clientId,
        name: "Printer",
        scopes: ["openid"],
        grantedAt: deps.clock.now().toISOString(),
        lastUsedAt: deps.clock.now().toISOString(),
      },
    ]);
  });

  it("includes a change of address asked for and not confirmed, with its expiry", async () => {
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps);
    unwrap(await requestEmailChange(deps, { session: account.session, newEmail: "ada.new@example.com" }));
    const requested = unwrap(await requestDataExport(deps, { session: account.session }));
    await runNextDataExport(deps, {});
    const profile = JSON.parse(filesOf(deps, requested.export.exportId).get("profile.json") ?? "");
    expect(profile.pendingEmailChange).toEqual({
      newEmail: "ada.new@example.com",
      expiresAt: expect.any(String),
    });
    expect(new Date(profile.pendingEmailChange.expiresAt).getTime()).toBeGreaterThan(
      deps.clock.now().getTime(),
    );
  });

  it("writes a never-stored secret nowhere: no password hash in the profile", async () => {
    const { deps, userId, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    const hash = (await deps.users.findUserById(userId as UserId))?.passwordHash ?? "";
    expect(hash).not.toBe("");
    for (const text of filesOf(deps, exportId).values()) expect(text).not.toContain(hash);
  });

  it("reads the security log a page at a time and writes every event, newest first", async () => {
    const { deps, userId, exportId } = await withAccount();
    const before = (await deps.securityEvents.listSecurityEventsOfUser({ userId, limit: 10_000 })).length;
    const count = 2 * securityEventPageSize + 3;
    for (let i = 0; i < count; i++) {
      await recordSecurityEvent(deps, { userId, type: "login_failed", details: { n: i } });
    }
    await runNextDataExport(deps, {});
    const events = JSON.parse(filesOf(deps, exportId).get("security-events.json") ?? "");
    expect(events).toHaveLength(count + before);
    expect(events.slice(0, 3).map((e: { details: { n: number } }) => e.details.n)).toEqual([
      count - 1,
      count - 2,
      count - 3,
    ]);
    // Besides the events, one record each for the profile and the sign-up's known network.
    expect(deps.exportJobs.get(exportId)?.recordsWritten).toBe(count + before + 2);
  });

  it("writes a staff action without the member of staff's address and browser, as the holder's log shows it", async () => {
    const { deps, userId, exportId } = await withAccount();
    await recordSecurityEvent(deps, {
      userId: userId as UserId,
      type: "sessions_revoked",
      actor: {
        id: "staff-1" as UserId,
        role: "support",
        client: { ip: "198.51.100.23", userAgent: "Staff/2.0" },
      },
    });
    await runNextDataExport(deps, {});
    const written = filesOf(deps, exportId).get("security-events.json") ?? "";
    expect(JSON.parse(written)[0]).toMatchObject({ type: "sessions_revoked", ip: null, userAgent: null });
    expect(written).not.toContain("198.51.100.23");
    expect(written).not.toContain("Staff/2.0");
  });

  it("lists what the person did as staff to other accounts, with their own address and browser, and nothing of the others", async () => {
    const { deps, userId, exportId } = await withAccount();
    const grace = await registerAccount(deps, { email: "grace@example.com", nickname: "grace" });
    const bob = await registerAccount(deps, { email: "bob@example.com", nickname: "bob" });
    const actor = {
      id: userId as UserId,
      role: "admin" as const,
      client: { ip: "198.51.100.23", userAgent: "Staff/2.0" },
    };
    await recordSecurityEvent(deps, {
      userId: grace.user.id,
      type: "account_disabled",
      details: { staffReason: "Grace's chargebacks" },
      actor,
    });
    // On their own account: a search, on their own log (security-events.json).
    await recordSecurityEvent(deps, {
      userId: userId as UserId,
      type: "users_searched",
      details: { query: "grace", results: 1 },
      actor,
    });
    await recordSecurityEvent(deps, { userId: bob.user.id, type: "account_viewed", actor });
    await runNextDataExport(deps, {});
    const written = filesOf(deps, exportId).get("staff-actions.json") ?? "";
    const actions = JSON.parse(written);
    expect(actions).toEqual([
      {
        id: expect.any(String),
        type: "account_viewed",
        occurredAt: deps.clock.now().toISOString(),
        ip: "198.51.100.23",
        userAgent: "Staff/2.0",
      },
      {
        id: expect.any(String),
        type: "account_disabled",
        occurredAt: deps.clock.now().toISOString(),
        ip: "198.51.100.23",
        userAgent: "Staff/2.0",
      },
    ]);
    // Neither whose accounts they were nor what was said of them.
    for (const other of [grace, bob]) expect(written).not.toContain(other.user.id);
    expect(written).not.toContain("chargebacks");
    const own = JSON.parse(filesOf(deps, exportId).get("security-events.json") ?? "");
    expect(own.map((e: { type: string }) => e.type)).toContain("users_searched");
  });

  it("reads the staff actions a page at a time and writes every one, newest first", async () => {
    const { deps, userId, exportId } = await withAccount();
    const grace = await registerAccount(deps, { email: "grace@example.com", nickname: "grace" });
    const count = 2 * securityEventPageSize + 3;
    const actor = { id: userId as UserId, role: "support" as const, client: { ip: "198.51.100.23" } };
    for (let i = 0; i < count; i++) {
      await recordSecurityEvent(deps, {
        userId: grace.user.id,
        type: "account_viewed",
        client: { ip: `198.51.100.${i % 250}`, userAgent: `Staff/${i}` },
        actor,
      });
    }
    await runNextDataExport(deps, {});
    const actions = JSON.parse(filesOf(deps, exportId).get("staff-actions.json") ?? "");
    expect(actions).toHaveLength(count);
    expect(actions.slice(0, 2).map((e: { userAgent: string }) => e.userAgent)).toEqual([
      `Staff/${count - 1}`,
      `Staff/${count - 2}`,
    ]);
    expect(actions.at(-1).userAgent).toBe("Staff/0");
    expect(new Set(actions.map((e: { id: string }) => e.id)).size).toBe(count);
  });

  it("retries a failing export, then marks it failed after the last attempt, keeping no file", async () => {
    const { deps, userId, exportId } = await withAccount();
    deps.exportArchives.beforeEntry = async (name) => {
      if (name === "sessions.json") throw new Error("disk full");
    };
    for (const expected of ["retry", "retry", "failed"] as const) {
      expect(unwrap(await runNextDataExport(deps, {}))).toMatchObject({ outcome: expected, exportId });
    }
    expect(unwrap(await runNextDataExport(deps, {}))).toEqual({ outcome: "idle" });
    expect(unwrap(await getDataExport(deps, { userId, exportId }))).toMatchObject({ status: "failed" });
    expect(await openDataExportArchive(deps, { userId, exportId })).toMatchObject({
      error: "EXPORT_NOT_READY",
    });
    expect(deps.exportArchives.keys()).toEqual([]);
    expect(deps.mailer.sent.filter((m) => m.subject === "Your data export is ready")).toEqual([]);
  });

  it("a worker that stalls past its lease loses the job to another, and keeps nothing of its own", async () => {
    const { deps, userId, exportId } = await withAccount();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = () => {};
    const atSessions = new Promise<void>((resolve) => {
      reached = resolve;
    });
    deps.exportArchives.beforeEntry = async (name) => {
      if (name !== "sessions.json") return;
      reached();
      await held;
    };
    const stalled = runNextDataExport(deps, {});
    await atSessions;
    expect(deps.exportJobs.get(exportId)).toMatchObject({ status: "running", attempts: 1 });
    deps.clock.advance(deps.settings.dataExport.leaseMs);
    deps.exportArchives.beforeEntry = undefined;
    expect(unwrap(await runNextDataExport(deps, {}))).toEqual({ outcome: "ready", exportId });
    release();
    expect(unwrap(await stalled)).toEqual({ outcome: "lost", exportId });
    const job = deps.exportJobs.get(exportId);
    expect(job).toMatchObject({ status: "ready", attempts: 2 });
    expect(deps.exportArchives.keys()).toEqual([job?.fileKey]);
    expect(unwrap(await getDataExport(deps, { userId, exportId })).status).toBe("ready");
    expect(deps.mailer.sent.filter((m) => m.subject === "Your data export is ready")).toHaveLength(1);
  });

  it("stops when signalled, giving the job and its attempt back", async () => {
    const { deps, exportId } = await withAccount();
    for (let i = 0; i < 450; i++) {
      await recordSecurityEvent(deps, {
        userId: deps.exportJobs.get(exportId)?.userId as UserId,
        type: "login_failed",
      });
    }
    const signal = { aborted: false };
    deps.exportArchives.beforeEntry = async (name) => {
      if (name === "security-events.json") signal.aborted = true;
    };
    expect(unwrap(await runNextDataExport(deps, { signal }))).toEqual({ outcome: "interrupted", exportId });
    expect(deps.exportJobs.get(exportId)).toMatchObject({ status: "pending", attempts: 0 });
    expect(deps.exportArchives.keys()).toEqual([]);
  });

  it("answers the requester's session ids as stored, without the session's secrets", async () => {
    const { deps, account, exportId } = await withAccount();
    await runNextDataExport(deps, {});
    const sessions = JSON.parse(filesOf(deps, exportId).get("sessions.json") ?? "");
    expect(sessions[0]).toEqual({
      id: account.sessionId as SessionId,
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      authenticatedAt: expect.any(String),
      authenticationMethods: ["pwd"],
      userAgent: "vitest",
      ip: "127.0.0.1",
    });
  });
});
