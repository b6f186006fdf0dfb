import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of one dependency (MySQL, Redis, an SMTP server, an OAuth
 * provider), which a test can make fail the ways networks fail, with no Docker:
 *
 * - `pause()`: a hung peer. Connections stay open and new ones are accepted, but no byte gets
 *   through either way (what arrives is held) until `restore()`.
 * - `cut()`: the peer is gone. Every open connection is reset and new ones are reset at once.
 * - `restore()`: back to normal; held bytes and held connections go through.
 */
export interface FaultProxy {
  /** The proxy's port on 127.0.0.1: point the service at it instead of the dependency. */
  readonly port: number;
  /** Connections accepted since the start (held or cut ones included). */
  readonly accepted: number;
  pause(): void;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

type Mode = "open" | "paused" | "cut";

interface Link {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Bytes held while paused, per direction. */
  readonly toUpstream: Buffer[];
  readonly toClient: Buffer[];
}

/** Starts a proxy to `target` (on loopback) on a free port of 127.0.0.1. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: Mode = "open";
  let accepted = 0;
  const links = new Set<Link>();

  function end(link: Link): void {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  }

  function forward(link: Link, chunk: Buffer, direction: "toUpstream" | "toClient"): void {
    if (mode === "paused" || link.upstream === undefined) {
      link[direction].push(chunk);
      return;
    }
    (direction === "toUpstream" ? link.upstream : link.client).write(chunk);
  }

  function connectUpstream(link: Link): void {
    const upstream = tcpConnect(target.port, target.host);
    link.upstream = upstream;
    upstream.on("data", (chunk: Buffer) => forward(link, chunk, "toClient"));
    upstream.on("error", () => end(link));
    upstream.on("close", () => end(link));
    flush(link);
  }

  function flush(link: Link): void {
    if (link.upstream === undefined) return;
    for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
  }

  const server: Server = createServer((client) => {
    accepted++;
    if (mode === "cut") {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: undefined, toUpstream: [], toClient: [] };
    links.add(link);
    client.on("data", (chunk: Buffer) => forward(link, chunk, "toUpstream"));
    client.on("error", () => end(link));
    client.on("close", () => end(link));
    if (mode === "open") connectUpstream(link);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get accepted() {
      return accepted;
    },
    pause() {
      mode = "paused";
    },
    cut() {
      mode = "cut";
      for (const link of links) {
        links.delete(link);
        link.client.resetAndDestroy();
        link.upstream?.resetAndDestroy();
      }
    },
    restore() {
      mode = "open";
      for (const link of links) {
        if (link.upstream === undefined) connectUpstream(link);
        else flush(link);
      }
    },
    async close() {
      for (const link of links) end(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
