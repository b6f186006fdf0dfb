import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createUpstreamAgent, maxProviderResponseBytes } from "../src/index.ts";

// The agent every call to a provider goes through (main.ts installs it as fetch's global
// dispatcher): a real local server answering too much, or too slowly, and fetch through the agent.

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** fetch through `agent` (undici's option), reading the body as a provider's answer is read. */
async function fetchText(url: string, agent: ReturnType<typeof createUpstreamAgent>) {
  const response = await fetch(url, { dispatcher: agent } as RequestInit);
  return response.text();
}

describe("the upstream agent", () => {
  it("reads an answer up to 1 MiB and refuses a larger one, declared or not, as it arrives", async () => {
    const agent = createUpstreamAgent(5_000);
    const url = await serve((request, response) => {
      const size = request.url === "/big" ? maxProviderResponseBytes + 1 : maxProviderResponseBytes;
      // Streamed without a length for /chunked: the cap holds on what arrives, not what is declared.
      if (request.url === "/chunked") {
        response.writeHead(200, { "content-type": "application/json" });
        for (let sent = 0; sent < 4 * maxProviderResponseBytes; sent += 65_536)
          response.write("x".repeat(65_536));
        response.end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json", "content-length": String(size) });
      response.end("x".repeat(size));
    });
    expect(await fetchText(`${url}/fits`, agent)).toHaveLength(maxProviderResponseBytes);
    await expect(fetchText(`${url}/big`, agent)).rejects.toThrow();
    await expect(fetchText(`${url}/chunked`, agent)).rejects.toThrow();
    await agent.close();
  });

  it("gives up on headers that never come, and on a body that stops, after its timeout", async () => {
    const agent = createUpstreamAgent(300);
    const url = await serve((request, response) => {
      if (request.url === "/stalled-body") {
        response.writeHead(200, { "content-type": "application/json" });
        response.write("{");
      }
      // Otherwise: never answers.
    });
    for (const path of ["/no-headers", "/stalled-body"]) {
      const started = performance.now();
      await expect(fetchText(`${url}${path}`, agent), path).rejects.toThrow();
      const elapsed = performance.now() - started;
      expect(elapsed, path).toBeGreaterThanOrEqual(250);
      expect(elapsed, path).toBeLessThan(5_000);
    }
    await agent.close();
  });
});
