import { type ChildProcessByStdio, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { compileCache } from "./run-cli.ts";

export interface RunningServer {
  readonly baseURL: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the match once the output (from `from` on) matches `pattern`; rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, input: { from: number; timeoutMs: number }): Promise<RegExpExecArray>;
  stop(): Promise<number | null>;
  /** Sends `signal` and answers at once; `exited` says how the process then ended. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has exited and its output is read. */
  exited(): Promise<number | null>;
  /** SIGKILL: the process dies at once, mid-work, as in a crash or an OOM kill; resolves once it has exited. */
  kill(): Promise<void>;
}

const mainFile = resolve(import.meta.dirname, "../src/main.ts");

/**
 * `node src/main.ts` as `pnpm start` runs it, on a free port: the child sees only PATH, the loopback
 * HOST, PORT 0, no LOG_FILE, Node's compile cache and `env` (nothing else of this process's
 * environment), in `cwd` if given (else this process's working directory).
 */
function spawnMain(
  env: Record<string, string>,
  options: { cwd?: string; nodeFlags?: readonly string[] } = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [...(options.nodeFlags ?? []), mainFile], {
    env: {
      ...compileCache,
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_FILE: "",
      ...env,
    },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Starts `node src/main.ts` (`spawnMain`) and waits until it listens. */
export async function startServerProcess(input: {
  env: Record<string, string>;
  cwd?: string;
  /** Node's own flags before the entry file (`--watch` for `pnpm dev`). */
  nodeFlags?: readonly string[];
}): Promise<RunningServer> {
  const child = spawnMain(input.env, input);
  // "close", not "exit": once the output has been read to its end, the last lines included.
  const closed = once(child, "close").then(([code]) => code as number | null);
  // A spawn that fails is reported by the start below; this promise must not go unhandled then.
  closed.catch(() => {});
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const baseURL = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 30_000);
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    baseURL,
    output: () => output,
    waitForOutput: (pattern, { from, timeoutMs }) =>
      new Promise((resolvePromise, reject) => {
        const check = () => {
          const match = pattern.exec(output.slice(from));
          if (match === null) return;
          clearTimeout(timer);
          child.stdout?.off("data", check);
          child.stderr?.off("data", check);
          resolvePromise(match);
        };
        const timer = setTimeout(() => {
          child.stdout?.off("data", check);
          child.stderr?.off("data", check);
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output.slice(from)}`));
        }, timeoutMs);
        child.stdout?.on("data", check);
        child.stderr?.on("data", check);
        check();
      }),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
    signal: (signal) => child.kill(signal),
    exited: () => closed,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Runs `node src/main.ts` expecting it to refuse to start; returns exit code and output. */
export async function runServerExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return outputUntilExit(spawnMain(env));
}

/**
 * Collects a child's stdout and stderr until it exits; one that has not exited within 20 s (a
 * refusal that did not come) is killed.
 */
export async function outputUntilExit(
  child: ChildProcessByStdio<null, Readable, Readable>,
): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

/**
 * Runs `node src/main.ts`, sends it `signal` as soon as its output matches `when` (a stage of its
 * start, before it listens), and answers how it ended: exit code or the signal that ended it.
 */
export async function signalServerDuringStart(input: {
  env: Record<string, string>;
  when: RegExp;
  signal: NodeJS.Signals;
}): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawnMain(input.env);
  let output = "";
  let signalled = false;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (!signalled && input.when.test(output)) {
      signalled = true;
      child.kill(input.signal);
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, output };
}
