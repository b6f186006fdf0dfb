import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  componentLogger,
  createLogger,
  type DebugArea,
  debugAreasOf,
  logRedaction,
  reopenLogFiles,
} from "./logger.ts";

const passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";

/** What mysql2 throws for a statement the server refused: `sql` is the statement with its values inlined. */
function mysqlError(): Error {
  return Object.assign(new Error("Lock wait timeout exceeded; try restarting transaction"), {
    code: "ER_LOCK_WAIT_TIMEOUT",
    errno: 1205,
    sqlState: "HY000",
    sqlMessage: "Lock wait timeout exceeded; try restarting transaction",
    sql: `update \`users\` set \`password_hash\` = '${passwordHash}' where \`id\` = '0190a000-0000-7000-8000-000000000001'`,
  });
}

describe("the log's redaction", () => {
  it("never writes the values of a failed SQL statement (a password hash), but keeps the error's code", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const logger = pino({ level: "info", redact: logRedaction }, sink);
    logger.error({ err: mysqlError() }, "unhandled error");
    logger.error({ err: new Error("could not link", { cause: mysqlError() }) }, "request failed");
    const text = lines.join("");
    expect(lines).toHaveLength(2);
    expect(text).toContain("ER_LOCK_WAIT_TIMEOUT");
    expect(text).not.toContain(passwordHash);
  });
});

describe("DEBUG namespaces", () => {
  it.each([
    ["superoauth:*", ["http", "db", "oauth", "mail"]],
    ["*", ["http", "db", "oauth", "mail"]],
    ["superoauth:db", ["db"]],
    ["superoauth:oauth, superoauth:mail", ["oauth", "mail"]],
    ["superoauth:*,-superoauth:db", ["http", "oauth", "mail"]],
    ["express:*", []],
    ["superoauth", []],
    ["", []],
  ])("%j turns on %j", (debug, areas) => {
    expect([...debugAreasOf(debug)]).toEqual(areas);
  });
  it("unset turns on nothing", () => {
    expect(debugAreasOf(undefined).size).toBe(0);
  });
});

describe("an area's logger", () => {
  function capture(level: string, debug: string | undefined) {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const areas = debugAreasOf(debug);
    const root = createLogger({ level, file: undefined, debug: areas, destination });
    return { lines, root, area: (name: DebugArea) => componentLogger(root, name, areas) };
  }

  it("writes debug lines only for the areas DEBUG names, above LOG_LEVEL, with secrets still redacted", () => {
    const { lines, root, area } = capture("warn", "superoauth:http");
    area("http").debug(
      {
        headers: {
          authorization: "Bearer eyJ.secret.jwt",
          cookie: "sid=secret",
          dpop: "eyJ.dpop.proof",
          host: "x",
        },
      },
      "request headers",
    );
    area("http").debug({ refreshToken: "0190.secret-refresh", password: "hunter2" }, "body-ish");
    area("db").debug({ sql: "select 1" }, "query");
    area("db").info("not at warn either");
    root.debug("the root stays at LOG_LEVEL");
    root.warn("a warning");
    expect(lines.map((l) => [l.component, l.msg])).toEqual([
      ["http", "request headers"],
      ["http", "body-ish"],
      [undefined, "a warning"],
    ]);
    const text = JSON.stringify(lines);
    expect(lines[0]?.headers).toMatchObject({
      authorization: "[redacted]",
      cookie: "[redacted]",
      dpop: "[redacted]",
      host: "x",
    });
    for (const secret of ["eyJ.secret.jwt", "sid=secret", "eyJ.dpop.proof", "0190.secret-refresh", "hunter2"])
      expect(text).not.toContain(secret);
  });

  it("without DEBUG, no area writes debug lines", () => {
    const { lines, area } = capture("info", undefined);
    for (const name of ["http", "db", "oauth", "mail"] as const) area(name).debug("quiet");
    area("mail").info({ to: "ada@example.com" }, "mail delivered");
    expect(lines.map((l) => [l.component, l.msg])).toEqual([["mail", "mail delivered"]]);
  });

  it.each(["debug", "trace"])(
    "at LOG_LEVEL=%s without DEBUG, no area writes debug lines (headers, full addresses)",
    (level) => {
      const { lines, root, area } = capture(level, undefined);
      area("http").debug({ headers: { host: "x", "user-agent": "curl" } }, "request headers");
      area("mail").debug({ to: "ada@example.com", subject: "Reset your password" }, "mail queued");
      area("mail").info({ to: "a***@example.com" }, "mail delivered");
      root.debug("pruned expired records");
      expect(lines.map((l) => [l.component, l.msg])).toEqual([
        ["mail", "mail delivered"],
        [undefined, "pruned expired records"],
      ]);
      expect(JSON.stringify(lines)).not.toContain("ada@example.com");
    },
  );

  it("at LOG_LEVEL=debug, DEBUG naming one area turns on that area's debug lines only", () => {
    const { lines, area } = capture("debug", "superoauth:mail");
    area("http").debug({ headers: { host: "x" } }, "request headers");
    area("mail").debug({ to: "ada@example.com" }, "mail queued");
    expect(lines.map((l) => [l.component, l.msg])).toEqual([["mail", "mail queued"]]);
  });
});

/** The file's text once it holds `expected`, or after 10 s, whatever it holds then. */
async function linesOf(path: string, expected: string): Promise<string> {
  const read = () => (existsSync(path) ? readFileSync(path, "utf8") : "");
  for (const deadline = Date.now() + 10_000; !read().includes(expected) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return read();
}

describe("LOG_FILE after a rotation", () => {
  it("writes to a new file at the path once reopened, as logrotate's rename and SIGHUP expect", async () => {
    const folder = mkdtempSync(join(tmpdir(), "superoauth-log-"));
    try {
      const file = join(folder, "superoauth.log");
      const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
      const logger = createLogger({ level: "info", file, destination: sink });
      // The file's stream says it is ready on the next tick; the rotation comes later.
      await new Promise((resolve) => setImmediate(resolve));
      const flushed = () =>
        new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
      logger.info("before the rotation");
      await flushed();
      renameSync(file, `${file}.1`);

      expect(await reopenLogFiles()).toBeGreaterThanOrEqual(1);
      logger.info("after the rotation");
      await flushed();

      // pino's flush does not wait for the file stream's write (its minLength is 0): the lines land
      // a moment later, later still on a loaded machine, so the test waits for them.
      expect(await linesOf(file, "after the rotation")).toContain("after the rotation");
      expect(await linesOf(`${file}.1`, "before the rotation")).not.toContain("after the rotation");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
