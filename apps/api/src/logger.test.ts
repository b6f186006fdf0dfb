import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { logRedaction } from "./logger.ts";

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
