import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedPort } from "./ports.ts";

/** A server of the test's own that speaks TLS with a self-signed certificate for 127.0.0.1. */
export interface TLSServer {
  readonly port: number;
  /** The server's self-signed certificate (PEM file): its own CA, for NODE_EXTRA_CA_CERTS. */
  readonly certificateFile: string;
  stop(): Promise<void>;
}

/** A fresh folder with `cert.pem` and `key.pem`: a self-signed certificate for 127.0.0.1 made by `openssl`. */
function certificateFolder(prefix: string): { folder: string; certificateFile: string; keyFile: string } {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const certificateFile = join(folder, "cert.pem");
  const keyFile = join(folder, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certificateFile,
    ],
    { stdio: "ignore" },
  );
  return { folder, certificateFile, keyFile };
}

/**
 * Waits until `server` (named `name` in errors) accepts connections on `port` of 127.0.0.1, for at
 * most 20 s; on failure stops it (`stop`) and throws why.
 */
async function listeningServer(input: {
  name: string;
  server: ChildProcess;
  port: number;
  certificateFile: string;
  folder: string;
}): Promise<TLSServer> {
  const { name, server, port, certificateFile, folder } = input;
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await once(server, "exit");
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`${name} exited with ${server.exitCode} before it listened`);
    }
    const listening = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (listening) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not listen within 20 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, certificateFile, stop };
}

/**
 * Starts `mariadbd` (Debian's MariaDB, which the machine's own server runs from) on a free port of
 * every interface, with a fresh data folder, a self-signed certificate for 127.0.0.1, and no grant
 * tables (any user, any host, no password): a server to reach with and without TLS, from loopback
 * and from another address of this machine. About 3 s.
 */
export async function startTLSMySQLServer(): Promise<TLSServer> {
  const { folder, certificateFile, keyFile } = certificateFolder("superoauth-tls-mysql-");
  const dataFolder = join(folder, "data");
  execFileSync(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${dataFolder}`,
      "--skip-test-db",
      "--user=root",
      "--auth-root-authentication-method=normal",
    ],
    { stdio: "ignore" },
  );
  const port = await closedPort();
  const server: ChildProcess = spawn(
    "mariadbd",
    [
      "--no-defaults",
      `--datadir=${dataFolder}`,
      `--port=${port}`,
      "--bind-address=0.0.0.0",
      `--socket=${join(folder, "mysqld.sock")}`,
      `--pid-file=${join(folder, "mysqld.pid")}`,
      "--user=root",
      "--skip-grant-tables",
      "--skip-name-resolve",
      `--ssl-cert=${certificateFile}`,
      `--ssl-key=${keyFile}`,
    ],
    { stdio: "ignore" },
  );
  return listeningServer({ name: "mariadbd", server, port, certificateFile, folder });
}

/** A Redis of the test's own: TLS on `port`, plain text on `plainPort`. */
export interface TLSRedisServer extends TLSServer {
  readonly plainPort: number;
}

/**
 * Starts `redis-server` (Debian's, the machine's own Redis) on two free ports of every interface,
 * one with TLS (a self-signed certificate for 127.0.0.1, no client certificates asked for) and one
 * in plain text, saving nothing to disk. Under a second.
 */
export async function startTLSRedisServer(): Promise<TLSRedisServer> {
  const { folder, certificateFile, keyFile } = certificateFolder("superoauth-tls-redis-");
  const port = await closedPort();
  let plainPort = await closedPort();
  while (plainPort === port) plainPort = await closedPort();
  const server: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(plainPort),
      "--tls-port",
      String(port),
      "--tls-cert-file",
      certificateFile,
      "--tls-key-file",
      keyFile,
      "--tls-auth-clients",
      "no",
      "--bind",
      "0.0.0.0",
      // Protected mode refuses every client off loopback when Redis has no password.
      "--protected-mode",
      "no",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      folder,
    ],
    { stdio: "ignore" },
  );
  return {
    ...(await listeningServer({ name: "redis-server", server, port, certificateFile, folder })),
    plainPort,
  };
}
