import { createServer, type Server, Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to put a fault between the service and a
 * dependency (MySQL, Redis, SMTP) without Docker: point the service at `proxy.url(...)` and
 *
 * - `pause()`: keep every connection open but let no byte through, either way (a hung server or
 *   a black-holed network: the client sees nothing until its own timeout); new connections are
 *   accepted and held the same way;
 * - `resume()`: let bytes flow again, held ones first;
 * - `cut()`: reset every connection and refuse new ones (the server crashed or went away);
 * - `restore()`: accept and forward again, on the same port, after a cut or a pause.
 */
export interface TCPProxy {
  /** The port the proxy listens on (the same after cut and restore). */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's (mysql://, redis://, smtp://...). */
  url(url: string): string;
  pause(): void;
  resume(): void;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Connections open right now. */
  openConnections(): number;
  /** Connections accepted since the start (to check that a client reconnected). */
  acceptedConnections(): number;
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes held while paused, per direction, in order. */
  readonly held: { toUpstream: Buffer[]; toClient: Buffer[] };
}

/** Starts a proxy to `target` on a free port of 127.0.0.1. */
export async function startTCPProxy(target: { host: string; port: number }): Promise<TCPProxy> {
  const links = new Set<Link>();
  let paused = false;
  let accepted = 0;

  const forward = (from: Socket, to: Socket, held: Buffer[]) => {
    from.on("data", (chunk: Buffer) => {
      if (paused) held.push(chunk);
      else to.write(chunk);
    });
  };
  const flush = (link: Link) => {
    for (const chunk of link.held.toUpstream.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.held.toClient.splice(0)) link.client.write(chunk);
  };

  const onConnection = (client: Socket) => {
    accepted += 1;
    const upstream = new Socket();
    const link: Link = { client, upstream, held: { toUpstream: [], toClient: [] } };
    links.add(link);
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    // A fault is the point of this proxy: its socket errors end the link, never the test process.
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    forward(client, upstream, link.held.toUpstream);
    forward(upstream, client, link.held.toClient);
    upstream.connect(target.port, target.host);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        const address = server.address();
        if (address === null || typeof address === "string") reject(new Error("proxy has no port"));
        else resolve(address.port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  const port = await listen(0);

  /** Stops accepting, resets every connection, then waits for the listener to be gone. */
  const shutDown = async () => {
    const closed = stopListening();
    for (const link of links) {
      link.client.resetAndDestroy();
      link.upstream.destroy();
    }
    links.clear();
    await closed;
  };
  const resume = () => {
    paused = false;
    for (const link of links) flush(link);
  };

  return {
    port,
    url(url) {
      const rewritten = new URL(url);
      rewritten.hostname = "127.0.0.1";
      rewritten.port = String(port);
      return rewritten.toString();
    },
    pause() {
      paused = true;
    },
    resume,
    cut: shutDown,
    async restore() {
      if (!server.listening) {
        server = createServer(onConnection);
        await listen(port);
      }
      resume();
    },
    openConnections: () => links.size,
    acceptedConnections: () => accepted,
    close: shutDown,
  };
}
