import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileCache, runCLIProcess } from "./run-cli.ts";

// `pnpm logs`, a node process as the script runs it, over a log file the test writes.

const logsFile = resolve(import.meta.dirname, "../src/cli/logs.ts");
const workDirectory = mkdtempSync(join(tmpdir(), "superoauth-logs-"));
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

const environment = (file: string) => ({
  ...compileCache,
  PATH: process.env.PATH ?? "",
  NODE_ENV: "development",
  LOG_FILE: file,
  // A reader far from UTC: the lines still give the time in UTC, as the security log does.
  TZ: "America/New_York",
});

function record(level: number, msg: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    level,
    time: Date.UTC(2026, 10, 30, 12, 0, 0),
    pid: 1,
    hostname: "h",
    ...fields,
    msg,
  });
}

function writeLog(name: string, lines: readonly string[]): string {
  const file = join(workDirectory, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

function runLogs(file: string, args: string[]) {
  return runCLIProcess({ file: logsFile, args, cwd: workDirectory, env: environment(file) });
}

describe("pnpm logs", () => {
  const lines = [
    record(30, "server listening"),
    record(30, "incoming request", { reqId: "req-1" }),
    record(40, "a warning", { reqId: "req-2" }),
    record(50, "request failed", { reqId: "req-1", err: { type: "Error", message: "boom" } }),
  ];

  it("prints each record as a readable line, not JSON", async () => {
    const outcome = await runLogs(writeLog("service.log", lines), ["--no-follow"]);

    expect(outcome.code, outcome.stderr).toBe(0);
    // The date and the time in UTC, as the security log and the API write them, whatever the reader's zone.
    expect(outcome.stdout).toMatch(/^\[2026-11-30T12:00:00\.000Z\] INFO: server listening\n/);
    expect(outcome.stdout).toMatch(/WARN: a warning\n\s+reqId: "req-2"\n/);
    expect(outcome.stdout).not.toContain('{"level"');
  });

  it("--level keeps that level and above", async () => {
    const outcome = await runLogs(writeLog("levels.log", lines), ["--no-follow", "--level", "warn"]);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).not.toContain("server listening");
    expect(outcome.stdout).toContain("WARN: a warning");
    expect(outcome.stdout).toContain("ERROR: request failed");
  });

  it("--request-id keeps one request's records; --json prints them as they are", async () => {
    const outcome = await runLogs(writeLog("requests.log", lines), [
      "--no-follow",
      "--request-id",
      "req-1",
      "--json",
    ]);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toBe(`${lines[1]}\n${lines[3]}\n`);
  });

  it("prints only whole lines of a long file: the last 64 KiB, from the first full line", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => record(30, `line ${i}`));
    const outcome = await runLogs(writeLog("long.log", many), ["--no-follow", "--json"]);

    expect(outcome.code, outcome.stderr).toBe(0);
    const printed = outcome.stdout.trimEnd().split("\n");
    expect(printed.length).toBeLessThan(many.length);
    expect(printed.at(-1)).toBe(many.at(-1));
    for (const line of printed) expect(many).toContain(line);
  });

  it("--request-id searches the whole file: a request far back (and one across a megabyte's edge) is found", async () => {
    // About 2.5 MB: the quoted request is at the start, long before the last 64 KiB and the first megabyte.
    const padding = "x".repeat(200);
    const many = [
      record(50, "request failed", { reqId: "old-req" }),
      ...Array.from({ length: 10_000 }, (_, i) => record(30, `line ${i}`, { reqId: `other-${i}`, padding })),
      record(30, "request completed", { reqId: "old-req" }),
    ];
    const outcome = await runLogs(writeLog("far.log", many), [
      "--no-follow",
      "--json",
      "--request-id",
      "old-req",
    ]);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toBe(`${many[0]}\n${many.at(-1)}\n`);
    // Every record of the file was read whole: a line cut at a chunk's edge would be lost or garbled.
    const all = await runLogs(join(workDirectory, "far.log"), [
      "--no-follow",
      "--json",
      "--request-id",
      "other-4321",
    ]);
    expect(all.stdout).toBe(`${many[4322]}\n`);
  });

  it("follows the file: records appended later are printed, filtered", async () => {
    const file = writeLog("follow.log", [record(30, "old info"), record(40, "old warning")]);
    const child = spawn(process.execPath, [logsFile, "--follow", "--level", "warn"], {
      cwd: workDirectory,
      env: environment(file),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const waiters: { text: string; resolve: () => void }[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (const waiter of waiters) if (output.includes(waiter.text)) waiter.resolve();
    });
    /** Resolves once the output holds `text`; fails the test after 10 s. */
    const printed = (text: string) =>
      new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`"${text}" not printed within 10 s:\n${output}`)),
          10_000,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolvePromise();
          },
        });
      });
    try {
      await printed("old warning");
      // The appended record is cut mid-line: once the warning before it is printed, the cut part has
      // been read too; its end follows, and the record is printed once, whole.
      const late = record(50, "appended later", { reqId: "req-9" });
      appendFileSync(
        file,
        `${record(30, "quiet info")}\n${record(40, "first warning")}\n${late.slice(0, 20)}`,
      );
      await printed("first warning");
      appendFileSync(file, `${late.slice(20)}\n`);
      await printed("appended later");
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    expect(output).not.toContain("old info");
    expect(output).not.toContain("quiet info");
    expect(output.match(/ERROR: appended later/g)).toHaveLength(1);
  });

  it("piped into a reader that stops (pnpm logs | head), it ends quietly with exit 0", async () => {
    const file = writeLog("piped.log", [record(30, "first line")]);
    const child = spawn(process.execPath, [logsFile, "--follow"], {
      cwd: workDirectory,
      env: environment(file),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null]>;
    // The reader takes the first line and goes away, as head does; the follower's next line has
    // nowhere to go.
    await once(child.stdout, "data");
    child.stdout.destroy();
    const timer = setInterval(() => appendFileSync(file, `${record(30, "later line")}\n`), 100);
    try {
      const [code] = await exited;
      expect(code, stderr).toBe(0);
      expect(stderr).toBe("");
    } finally {
      clearInterval(timer);
      child.kill("SIGKILL");
    }
  });

  it("says so when no record of the request is found, rather than printing nothing", async () => {
    const file = writeLog("unknown-request.log", lines);
    const outcome = await runLogs(file, ["--no-follow", "--request-id", "req-9"]);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toBe(`No records of request req-9 in ${file}.\n`);
  });

  it("with LOG_FILE empty, says the log goes to standard output only, not to start the service", async () => {
    const outcome = await runLogs("", ["--no-follow"]);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^LOG_FILE is empty: the service writes its log to standard output only/);
    expect(outcome.stderr).not.toContain("pnpm start first");
  });

  it("refuses an unknown level, exit 2", async () => {
    const outcome = await runLogs(writeLog("x.log", lines), ["--level", "loud"]);

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain("--level must be one of trace, debug, info, warn, error, fatal");
  });

  it("says where it looked, and exits 1, when there is no log file", async () => {
    const outcome = await runLogs(join(workDirectory, "missing.log"), ["--no-follow"]);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(
      /No log file at .*missing\.log .* Start the service with pnpm start first/,
    );
    // A relative LOG_FILE is named whole, with the directory it was read against.
    const relative = await runLogs("logs/elsewhere.log", ["--no-follow"]);
    expect(relative.code).toBe(1);
    expect(relative.stderr).toContain(
      `No log file at ${join(workDirectory, "logs/elsewhere.log")} (LOG_FILE=logs/elsewhere.log, relative to ${workDirectory}).`,
    );
  });
});
