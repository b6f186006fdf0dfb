import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStorage } from "@superoauth/adapter-sql";
import { sqliteJustBefore, useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterEach, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import type { createLogger } from "../src/logger.ts";
import { capturingLogger } from "./capturing-logger.ts";
import { integrationTestConfig } from "./test-config.ts";

// Two instances of one deployment on one database (MySQL in "api", SQLite in "api-sqlite": the
// comparison does not depend on the backend), one of them with a setting that must match set
// otherwise: each finds it at its next beat, logs it, shows it on /ready and counts it in /metrics.

const database = useTestDatabase();
const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

async function start(env: Record<string, string>, logger?: ReturnType<typeof createLogger>) {
  const service = await composeService(
    integrationTestConfig({ DATABASE_URL: database.url(), ...env }),
    logger,
  );
  services.push(service);
  return service;
}

async function readiness(service: Service) {
  const ready = await service.app.inject({ method: "GET", url: "/ready" });
  return { statusCode: ready.statusCode, body: ready.json() };
}

async function differing(service: Service): Promise<string | undefined> {
  const metrics = await service.app.inject({ method: "GET", url: "/metrics" });
  return metrics.body.split("\n").find((line) => line.startsWith("superoauth_instance_settings_differing "));
}

const otherCookieSecret = "another-cookie-secret-0123456789-abcdefgh";

describe("instances of one deployment compare the settings that must match", () => {
  it("a differing COOKIE_SECRET is logged once (by name, never value), degrades /ready and counts in /metrics, until the other stops", async () => {
    const first = await start({});
    expect(first.instanceSettings.differences()).toEqual([]);
    expect((await readiness(first)).body.data.checks.instances).toMatchObject({ status: "up" });

    const { lines, logger } = capturingLogger();
    const second = await start({ COOKIE_SECRET: otherCookieSecret }, logger);

    const ready = await readiness(second);
    // Not required: the instance still serves (a rolling change of the secret passes through this).
    expect(ready.statusCode).toBe(200);
    expect(ready.body.data).toMatchObject({
      status: "degraded",
      checks: { instances: { status: "degraded", detail: "differs from another instance: COOKIE_SECRET" } },
    });
    expect(await differing(second)).toBe("superoauth_instance_settings_differing 1");
    const warnings = lines.filter((line) => line.component === "instances");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, differing: ["COOKIE_SECRET"] });
    expect(String(warnings[0]?.msg)).toMatch(
      /^settings differ from other running instances: COOKIE_SECRET \(/,
    );
    expect(JSON.stringify(lines)).not.toContain(otherCookieSecret);

    // The first finds it at its next beat (every minute; called here).
    await first.instanceSettings.beat();
    expect((await readiness(first)).body.data.checks.instances.status).toBe("degraded");
    expect(await differing(first)).toBe("superoauth_instance_settings_differing 1");

    // The second stops: its row goes, and the first agrees with everyone left.
    await second.close();
    services.splice(services.indexOf(second), 1);
    await first.instanceSettings.beat();
    expect((await readiness(first)).body.data).toMatchObject({
      status: "ready",
      checks: { instances: { status: "up" } },
    });
    expect(await differing(first)).toBe("superoauth_instance_settings_differing 0");
  });

  it("instances with the same settings agree, and the stored row holds digests, not values", async () => {
    const first = await start({});
    const second = await start({});
    await first.instanceSettings.beat();
    expect(first.instanceSettings.differences()).toEqual([]);
    expect(second.instanceSettings.differences()).toEqual([]);
    const rows = await first.storage.db.selectFrom("running_instances").selectAll().execute();
    expect(rows.map((row) => row.id).sort()).toEqual(
      [first.instanceSettings.id, second.instanceSettings.id].sort(),
    );
    const stored = rows.map((row) => row.settings).join("\n");
    expect(stored).toContain('"COOKIE_SECRET":');
    expect(stored).not.toContain("integration-cookie-secret");
    expect(stored).not.toContain("00112233445566778899");
  });

  it("an instance started before `pnpm db:migrate` (MIGRATE_ON_START=false) announces itself once the migration is applied, without a warning", async () => {
    // The previous release's schema: no running_instances table, its migration not recorded.
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-instances-")), "previous.db");
    await (await sqliteJustBefore("2026-12-02T08-00_create-running-instances", file)).destroy();

    const { lines, logger } = capturingLogger();
    const service = await start({ DATABASE_URL: `sqlite:${file}`, MIGRATE_ON_START: "false" }, logger);
    expect((await readiness(service)).statusCode).toBe(503);

    // The release step, while the instance waits (docs/operations.md, "Upgrades and migrations").
    const step = await openStorage({ url: `sqlite:${file}` });
    await step.migrate();
    const deadline = Date.now() + 10_000;
    let rows = await step.db.selectFrom("running_instances").select("id").execute();
    while (rows.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      rows = await step.db.selectFrom("running_instances").select("id").execute();
    }
    await step.close();
    // Within the gate's two seconds, not at the next minute's beat: the doctor and the other
    // instances see it as soon as it serves.
    expect(rows.map((row) => row.id)).toEqual([service.instanceSettings.id]);
    expect(lines.filter((line) => line.component === "instances")).toEqual([]);
  });
});
