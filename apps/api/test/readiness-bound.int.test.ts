import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// /ready answers within its bound whatever a dependency does (docs/operations.md, "/ready and
// /status"): a readiness probe's own timeout is often 1 s (Kubernetes' default `timeoutSeconds`),
// and an SMTP server that accepts and never greets must not hold it, since mail is not needed to
// serve sign-ins. The bound is 500 ms; asserted at 1500 ms so a loaded machine does not flake it.

const database = useTestDatabase();
let silent: Server;
const held: Socket[] = [];
let service: Service;

beforeAll(async () => {
  // Accepts every connection and never says a word: a hung SMTP server.
  silent = createServer((socket) => {
    held.push(socket);
    socket.on("error", () => {});
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const address = silent.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  service = await composeService(
    integrationTestConfig({ DATABASE_URL: database.url(), SMTP_URL: `smtp://127.0.0.1:${address.port}` }),
    undefined,
  );
});
afterAll(async () => {
  await service?.close();
  for (const socket of held) socket.destroy();
  silent?.close();
});

async function timed(url: string) {
  const started = performance.now();
  const response = await service.app.inject({ url });
  return { response, ms: performance.now() - started };
}

describe("an SMTP server that accepts and never answers", () => {
  it("does not hold /ready: every probe answers 200 degraded within the bound, the first ones included", async () => {
    for (let probe = 0; probe < 3; probe++) {
      const { response, ms } = await timed("/ready");
      expect(ms, `probe ${probe}`).toBeLessThan(1_500);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        success: true,
        data: {
          status: "degraded",
          checks: {
            database: { status: "up", required: true },
            smtp: { status: "down", required: false },
          },
        },
      });
    }
  });

  it("does not hold /status.json either: mail is degraded or down, the API up", async () => {
    const { response, ms } = await timed("/status.json");
    expect(ms).toBeLessThan(1_500);
    expect(response.statusCode).toBe(200);
    const { components } = response.json().data as { components: { name: string; status: string }[] };
    expect(components.find((c) => c.name === "api")?.status).toBe("up");
    expect(components.find((c) => c.name === "mail")?.status).toBe("down");
  });
});
