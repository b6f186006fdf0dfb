import { once } from "node:events";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySMTPServer } from "../src/index.ts";
import { addressOffLoopback, type SMTPSink, startSMTPSink } from "./smtp-sink.ts";

let sink: SMTPSink;
beforeAll(async () => {
  sink = await startSMTPSink();
});
afterAll(async () => {
  await sink.close();
});

describe("verifySMTPServer", () => {
  it("resolves when the server greets us, sending no mail", async () => {
    await expect(verifySMTPServer({ url: sink.url, timeoutMs: 5_000 })).resolves.toBeUndefined();
    expect(sink.mails).toHaveLength(0);
  });

  it("rejects a server off this machine that offers no STARTTLS, as the mailer would", async () => {
    const remote = await startSMTPSink({ host: addressOffLoopback() });
    try {
      await expect(verifySMTPServer({ url: remote.url, timeoutMs: 5_000 })).rejects.toMatchObject({
        code: "ETLS",
      });
      await expect(
        verifySMTPServer({ url: `${remote.url}?requireTLS=false`, timeoutMs: 5_000 }),
      ).resolves.toBeUndefined();
    } finally {
      await remote.close();
    }
  });

  it("rejects with nodemailer's code when nothing listens", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    server.close();
    await once(server, "close");
    if (address === null || typeof address === "string") throw new Error("no port");

    await expect(
      verifySMTPServer({ url: `smtp://127.0.0.1:${address.port}`, timeoutMs: 5_000 }),
    ).rejects.toMatchObject({ code: "ESOCKET" });
  });
});
