import { hostname } from "node:os";
import type { RunningInstance, RunningInstances } from "@superoauth/adapter-sql";
import { describe, expect, it, onTestFinished } from "vitest";
import { type Config, parseConfig } from "./config.ts";
import { judgeInstances } from "./doctor.ts";
import {
  compareWithInstances,
  describeDifferences,
  instanceName,
  mustMatchSettings,
  olderReleasesStillRunning,
  releaseOf,
  secondInstanceOnSQLite,
  settingDigests,
  watchInstanceSettings,
} from "./instance-settings.ts";

const secrets = {
  NODE_ENV: "production",
  DATABASE_URL: "mysql://root@127.0.0.1:3306/superoauth",
  JWT_SECRET: "f7Jq2vX9pL4mR8sT1wY6zB3nC5dH0kGaUe4Wq7Nn2Lx",
  COOKIE_SECRET: "Q9w8E7r6T5y4U3i2O1pAsDfGhJkLzXcVb5Hm3Rt8Ky",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  APP_URL: "https://auth.example.com",
  TRUST_PROXY: "1",
  REDIS_URL: "redis://127.0.0.1:6379",
};

const otherCookieSecret = "Pp0Oo9Ii8Uu7Yy6Tt5Rr4Ee3Ww2Qq1AaMx5Vb2Nc7Zl";

function configOf(env: Record<string, string> = {}): Config {
  const parsed = parseConfig({ ...secrets, ...env }, () => "unused");
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.config;
}

function instanceOf(config: Config, input: Partial<RunningInstance> = {}): RunningInstance {
  return {
    id: "other",
    host: "api-2",
    releaseVersion: "1.0.0",
    startedAt: new Date(0),
    seenAt: new Date(0),
    settings: settingDigests(config),
    ...input,
  };
}

describe("the digests of the settings that must match", () => {
  it("are equal for equal values, however written, and differ for a different value of any one", () => {
    const base = settingDigests(configOf());
    expect(settingDigests(configOf({ LOCKOUT_WINDOW: "900s" }))).toEqual(base);
    for (const [name, value] of [
      ["COOKIE_SECRET", otherCookieSecret],
      ["JWT_ISSUER", "https://other.example.com"],
      ["LOCKOUT_THRESHOLD", "6"],
      ["RATE_LIMIT_LOGIN_MAX", "7"],
      ["TRUST_PROXY", "2"],
      ["REQUIRE_EMAIL_VERIFICATION", "true"],
      ["REDIS_KEY_PREFIX", "staging-rl:"],
    ] as const) {
      const changed = settingDigests(configOf({ [name]: value }));
      const differing = Object.keys(base).filter((key) => base[key] !== changed[key]);
      expect(differing, name).toEqual([name]);
    }
  });

  it("name a provider on here and off there as differing", () => {
    const off = settingDigests(configOf());
    const on = settingDigests(
      configOf({
        GITHUB_CLIENT_ID: "id",
        GITHUB_CLIENT_SECRET: "secret",
        GITHUB_REDIRECT_URI: "https://auth.example.com/api/v1/oauth/github/callback",
      }),
    );
    expect(Object.keys(off).filter((key) => off[key] !== on[key])).toEqual([
      "GITHUB_CLIENT_ID",
      "GITHUB_CLIENT_SECRET",
      "GITHUB_REDIRECT_URI",
      "GITHUB_SCOPES",
    ]);
  });

  it("hold no value, and are keyed with JWT_SECRET (no digest is the same under another)", () => {
    const config = configOf();
    const digests = settingDigests(config);
    const text = JSON.stringify(digests);
    for (const value of Object.values(mustMatchSettings(config)).filter((v) => v.length >= 8))
      expect(text).not.toContain(value);
    expect(Object.values(digests).every((digest) => /^[\w-]{22}$/.test(digest))).toBe(true);
    const other = settingDigests(configOf({ JWT_SECRET: "Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff9DdQw3Er6Ty1Ui" }));
    expect(Object.keys(digests).filter((key) => digests[key] === other[key])).toEqual([]);
  });
});

describe("releaseOf", () => {
  it("is the version and the newest migration's time, so releases with other migrations differ under one version", () => {
    const known = [{ name: "2026-11-22T00-00_create-users" }, { name: "2026-12-02T09-00_index-export-jobs" }];
    expect(releaseOf("0.1.0", known)).toBe("0.1.0+2026-12-02T09-00");
    expect(releaseOf("0.1.0", known.slice(0, 1))).not.toBe(releaseOf("0.1.0", known));
    expect(releaseOf("0.1.0", [])).toBe("0.1.0");
  });
});

describe("secondInstanceOnSQLite and olderReleasesStillRunning", () => {
  const seenAt = new Date("2026-12-06T19:09:06.899Z");
  const file = "/srv/data/superoauth.db";
  const mine = { host: "vm", port: 3414, file };
  const on = (...hosts: string[]) => hosts.map((host) => instanceOf(configOf(), { host, seenAt }));
  const decide = (others: RunningInstance[], answering: number[] = []) => {
    const asked: number[] = [];
    const outcome = secondInstanceOnSQLite({
      others,
      mine,
      listening: async (port) => {
        asked.push(port);
        return answering.includes(port);
      },
    });
    return outcome.then((decided) => ({ decided, asked }));
  };

  it("refuse a start beside another running instance of this machine, naming it", async () => {
    const { decided, asked } = await decide(on("vm:3414", "vm:3415"), [3415]);
    expect(asked).toStrictEqual([3415]);
    expect(decided).toStrictEqual({
      refusal: `another instance serves the SQLite file ${file}: vm:3415 (last seen 2026-12-06T19:09:06.899Z), and port 3415 of this machine answers. SQLite serves one instance: stop that one first, or move to MySQL to run several (docs/operations.md, "SQLite means one instance").`,
    });
  });

  it("start after a crash: this instance's own row, or another port of this machine where nothing answers", async () => {
    expect((await decide([])).decided).toBeNull();
    expect(await decide(on("vm:3414"))).toStrictEqual({ decided: null, asked: [] });
    expect(await decide(on("vm:3415"))).toStrictEqual({ decided: null, asked: [3415] });
  });

  it("start beside a row of another host (a container recreated after a kill), with a warning naming it", async () => {
    const { decided, asked } = await decide(on("f3a9c1:3414", "vm"), [3414]);
    // Nothing of this machine tells whether those live: not probed, not refused.
    expect(asked).toStrictEqual([]);
    expect(decided).toStrictEqual({
      warning: `another instance wrote to the SQLite file ${file} in the last 3 minutes: f3a9c1:3414 (last seen 2026-12-06T19:09:06.899Z), vm (last seen 2026-12-06T19:09:06.899Z). If it still runs, SQLite serves one instance: stop that one first, or move to MySQL to run several (docs/operations.md, "SQLite means one instance"); if it was killed (a container recreated, say), nothing is wrong.`,
    });
  });

  it("name the instances of another release only", () => {
    const running = [
      instanceOf(configOf(), { host: "api-1:3000", releaseVersion: "0.1.0+2026-12-05T11-00" }),
      instanceOf(configOf(), { host: "api-2:3000", releaseVersion: "0.1.0+2026-12-06T04-00" }),
    ];
    expect(olderReleasesStillRunning(running, "0.1.0+2026-12-06T04-00")).toMatch(
      /^1 instance\(s\) of another release ran on this database in the last 3 minutes: api-1:3000 \(0\.1\.0\+2026-12-05T11-00\)\. /,
    );
    expect(olderReleasesStillRunning(running.slice(1), "0.1.0+2026-12-06T04-00")).toBeNull();
  });
});

describe("compareWithInstances", () => {
  const mine = { settings: { A: "1", B: "2", C: "3" }, releaseVersion: "1.0.0" };
  const other = (host: string, settings: Record<string, string>, releaseVersion = "1.0.0") =>
    instanceOf(configOf(), { host, settings, releaseVersion });

  it("names each differing setting once with its hosts, skips names one side lacks, and the release last", () => {
    const differences = compareWithInstances(mine, [
      other("api-3", { A: "1", B: "x", C: "3" }),
      other("api-2", { A: "x", B: "x", D: "4" }, "1.1.0"),
    ]);
    expect(differences).toEqual([
      { setting: "A", hosts: ["api-2"] },
      { setting: "B", hosts: ["api-2", "api-3"] },
      { setting: "release", hosts: ["api-2 (1.1.0)"] },
    ]);
    expect(describeDifferences(differences)).toBe("A (api-2), B (api-2, api-3), release (api-2 (1.1.0))");
  });

  it("finds nothing when every instance agrees, or none other runs", () => {
    expect(compareWithInstances(mine, [other("api-2", { ...mine.settings })])).toEqual([]);
    expect(compareWithInstances(mine, [])).toEqual([]);
  });
});

describe("pnpm doctor's instances check (judgeInstances)", () => {
  const config = configOf();
  it("passes alone or in agreement, warns of another release, fails on a differing setting", () => {
    expect(judgeInstances({ config, releaseVersion: "1.0.0", running: [] })).toMatchObject({
      status: "ok",
      detail: "no instance is running on this database",
    });
    expect(judgeInstances({ config, releaseVersion: "1.0.0", running: [instanceOf(config)] })).toEqual({
      check: "instances",
      status: "ok",
      detail: "the settings that must match agree with 1 running instance",
    });
    expect(judgeInstances({ config, releaseVersion: "1.1.0", running: [instanceOf(config)] })).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("release (api-2 (1.0.0))"),
    });
    const differing = judgeInstances({
      config,
      releaseVersion: "1.0.0",
      running: [instanceOf(configOf({ COOKIE_SECRET: otherCookieSecret }))],
    });
    expect(differing).toMatchObject({ status: "fail" });
    expect(differing.detail).toMatch(
      /^differs from 1 running instance: COOKIE_SECRET \(api-2\); set the same/,
    );
    expect(differing.detail).not.toContain(otherCookieSecret.slice(0, 12));
  });

  it("names JWT_SECRET alone when that is what differs (every other digest is keyed with it)", () => {
    const otherKey = configOf({ JWT_SECRET: "Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff9DdQw3Er6Ty1Ui" });
    const differing = judgeInstances({ config, releaseVersion: "1.0.0", running: [instanceOf(otherKey)] });
    expect(differing).toEqual({
      check: "instances",
      status: "fail",
      detail:
        'differs from 1 running instance: JWT_SECRET (api-2); set the same values as the running instances (docs/operations.md, "Several instances")',
    });
  });
});

describe("watchInstanceSettings", () => {
  /** The table, in memory: the SQL one is tested by the storage contracts on both databases. */
  function memoryInstances() {
    const rows = new Map<string, RunningInstance>();
    let failing = false;
    const instances: RunningInstances = {
      async announce(instance, now) {
        if (failing) throw new Error("database unavailable");
        rows.set(instance.id, { ...instance, seenAt: now });
      },
      async seenSince({ since, exceptId }) {
        return [...rows.values()].filter((row) => row.seenAt >= since && row.id !== exceptId);
      },
      async withdraw(id) {
        rows.delete(id);
      },
    };
    const fail = (value: boolean) => {
      failing = value;
    };
    return { instances, rows, fail };
  }
  function memoryLog() {
    const lines: { level: string; message: string; details: object }[] = [];
    return {
      lines,
      info: (details: object, message: string) => void lines.push({ level: "info", message, details }),
      warn: (details: object, message: string) => void lines.push({ level: "warn", message, details }),
    };
  }

  it("warns once when a running instance differs, says when it agrees again, and shows it on /ready", async () => {
    const table = memoryInstances();
    const log = memoryLog();
    let now = new Date("2030-01-01T00:00:00Z");
    const clock = () => now;
    const first = await watchInstanceSettings({
      instances: table.instances,
      config: configOf(),
      releaseVersion: "1.0.0",
      log: undefined,
      now: clock,
    });
    const secondEnv = { COOKIE_SECRET: otherCookieSecret, LOCKOUT_THRESHOLD: "6" };
    const second = await watchInstanceSettings({
      instances: table.instances,
      config: configOf(secondEnv),
      releaseVersion: "1.0.0",
      log,
      now: clock,
    });
    expect(second.differences().map((d) => d.setting)).toEqual(["COOKIE_SECRET", "LOCKOUT_THRESHOLD"]);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({
      level: "warn",
      details: { differing: ["COOKIE_SECRET", "LOCKOUT_THRESHOLD"] },
    });
    expect(log.lines[0]?.message).toMatch(
      /^settings differ from other running instances: COOKIE_SECRET \(.+\), LOCKOUT_THRESHOLD \(.+\)\. Each must be the same/,
    );
    expect(await second.check.check()).toEqual({
      status: "degraded",
      detail: "differs from another instance: COOKIE_SECRET, LOCKOUT_THRESHOLD",
    });
    expect(second.check.required).toBe(false);

    await second.beat();
    expect(log.lines).toHaveLength(1);

    // The first stops (its row deleted): the second agrees with everyone left.
    await first.stop();
    await second.beat();
    expect(second.differences()).toEqual([]);
    expect(log.lines.at(-1)).toMatchObject({
      level: "info",
      message: "settings match every running instance again",
    });
    expect(await second.check.check()).toEqual({ status: "up" });

    // An instance that stopped without a word (its row left) counts for three minutes after its last beat.
    table.rows.set("crashed", {
      ...instanceOf(configOf({ ...secondEnv, JWT_AUDIENCE: "other" })),
      id: "crashed",
      seenAt: now,
    });
    await second.beat();
    expect(second.differences().map((d) => d.setting)).toEqual(["JWT_AUDIENCE"]);
    now = new Date(now.getTime() + 3 * 60_000 + 1);
    await second.beat();
    expect(second.differences()).toEqual([]);
    await second.stop();
    expect(table.rows.has(second.id)).toBe(false);
  });

  it("names each instance by its host and port, so two on one host are told apart (PORT=0: the host alone)", async () => {
    const table = memoryInstances();
    const log = memoryLog();
    const watch = (env: Record<string, string>, into = log) =>
      watchInstanceSettings({
        instances: table.instances,
        config: configOf(env),
        releaseVersion: "1.0.0",
        log: into,
      });
    const first = await watch({ PORT: "3000" }, memoryLog());
    const second = await watch({ PORT: "3001", LOCKOUT_THRESHOLD: "6" });
    const third = await watch({ PORT: "0" }, memoryLog());
    onTestFinished(() => Promise.all([first, second, third].map((w) => w.stop())).then(() => undefined));

    expect([...table.rows.values()].map((row) => row.host)).toEqual([
      `${hostname()}:3000`,
      `${hostname()}:3001`,
      hostname(),
    ]);
    expect(log.lines[0]?.message).toContain(`LOCKOUT_THRESHOLD (${hostname()}:3000)`);
    expect(instanceName("api-2", 3000)).toBe("api-2:3000");
    expect(instanceName("api-2", 0)).toBe("api-2");
  });

  it("logs a failed beat once until one succeeds, and never throws", async () => {
    const table = memoryInstances();
    const log = memoryLog();
    table.fail(true);
    const watch = await watchInstanceSettings({
      instances: table.instances,
      config: configOf(),
      releaseVersion: "1.0.0",
      log,
    });
    await watch.beat();
    expect(log.lines.map((line) => line.message)).toEqual([
      "comparing settings with the other instances failed; will retry",
    ]);
    table.fail(false);
    await watch.beat();
    table.fail(true);
    await watch.beat();
    expect(log.lines).toHaveLength(2);
    await watch.stop();
  });

  it("leaves no row behind when it stops during a beat (the beat's write lands before the delete)", async () => {
    const table = memoryInstances();
    const watch = await watchInstanceSettings({
      instances: table.instances,
      config: configOf(),
      releaseVersion: "1.0.0",
      log: memoryLog(),
    });
    // The next write is slow (a busy database): the timer's beat is still writing when stop() runs.
    const announce = table.instances.announce;
    let release: () => void = () => {};
    const written = new Promise<void>((resolve) => {
      release = resolve;
    });
    table.instances.announce = async (instance, now) => {
      await written;
      return announce(instance, now);
    };
    const beating = watch.beat();
    await new Promise((resolve) => setImmediate(resolve));
    let announced = false;
    void written.then(() => {
      announced = true;
    });
    const stopping = watch.stop();
    release();
    await Promise.all([beating, stopping]);
    expect(announced).toBe(true);
    expect(table.rows.has(watch.id)).toBe(false);
  });
});
