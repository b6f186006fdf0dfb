// pnpm --filter @superoauth/api bench:export [--database sqlite|mysql] [--events 100000]:
// measures one data export of an account with many security events (docs/performance.md). Composes
// the service in this process on a fresh database (a temporary SQLite file, or a new MySQL database
// on MYSQL_URL), seeds the events in batches, then runs the export through the worker while sampling
// this process's RSS every 10 ms. Prints the time, the archive's size and the RSS growth over the
// baseline taken after seeding (after a GC when run with --expose-gc). A MySQL run leaves its
// database (export_bench_<time>) behind for inspection. Not a test: numbers vary
// with the machine; the bound is an RSS growth under 50 MB.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { composeService } from "../src/compose.ts";
import { seedSecurityEvents } from "../test/security-event-rows.ts";
import { integrationTestConfig } from "../test/test-config.ts";

const { values } = parseArgs({
  options: { database: { type: "string", default: "sqlite" }, events: { type: "string", default: "100000" } },
});
const eventCount = Number(values.events);
const directory = mkdtempSync(join(tmpdir(), "superoauth-export-bench-"));
const databaseURL =
  values.database === "mysql"
    ? `${(process.env.MYSQL_URL ?? "mysql://root@127.0.0.1:3306").replace(/\/$/, "")}/export_bench_${Date.now()}`
    : `sqlite:${join(directory, "bench.db")}`;

const config = integrationTestConfig({
  DATABASE_URL: databaseURL,
  EXPORT_DIR: join(directory, "exports"),
  OUTBOX_DIR: join(directory, "outbox"),
});
const service = await composeService(config, undefined, {
  exportWorker: { start: false, pollIntervalMs: 50 },
});
try {
  const password = "Kx7#mQ2v-Lr9!pT";
  const registered = await service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email: "bench-export@example.com", password, nickname: "bench" },
  });
  const { accessToken, user } = registered.json().data as { accessToken: string; user: { id: string } };

  const seedStart = performance.now();
  await seedSecurityEvents(service.storage.db, { userId: user.id, count: eventCount });
  const seedMs = performance.now() - seedStart;

  const requested = await service.app.inject({
    method: "POST",
    url: "/api/v1/user/export",
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const { exportId } = requested.json().data as { exportId: string };

  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  service.exportWorker.start();
  let status: { status: string; sizeBytes: number | null; recordsWritten: number } | undefined;
  for (;;) {
    const response = await service.app.inject({
      url: `/api/v1/user/export/${exportId}`,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    status = response.json().data;
    if (status?.status === "ready" || status?.status === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsedMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    JSON.stringify(
      {
        database: values.database,
        events: eventCount,
        seedSeconds: Number((seedMs / 1000).toFixed(1)),
        status: status?.status,
        recordsWritten: status?.recordsWritten,
        exportSeconds: Number((elapsedMs / 1000).toFixed(1)),
        archiveMB: mb(status?.sizeBytes ?? 0),
        rssBaselineMB: mb(baseline),
        rssPeakMB: mb(peak),
        rssGrowthMB: mb(peak - baseline),
      },
      null,
      2,
    ),
  );
} finally {
  await service.close();
  rmSync(directory, { recursive: true, force: true });
}
