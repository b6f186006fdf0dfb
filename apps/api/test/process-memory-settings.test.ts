import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startCommand } from "../bench/start-command.ts";
import { compileCache } from "./run-cli.ts";

// ADR 0061: pnpm start's glibc settings keep argon2id's 19 MiB buffers in the process between
// hashes. With one arena and glibc's own thresholds, every buffer came fresh from the kernel,
// every page faulted and zeroed on every hash: measured here, in a process of its own.
const hashPageFaults = async (env: Record<string, string>) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...startCommand().nodeFlags, resolve(import.meta.dirname, "hash-page-faults.ts")],
    { env: { PATH: process.env.PATH ?? "", ...compileCache, HASHES: "20", ...env }, timeout: 60_000 },
  );
  return (JSON.parse(stdout) as { faultsPerHash: number }).faultsPerHash;
};

// 19 MiB is 4,864 pages of 4 KiB.
const pagesPerBuffer = (19_456 * 1024) / 4096;

describe("pnpm start's memory settings and argon2id (ADR 0061)", () => {
  it("reuse each hash's 19 MiB buffer: almost no page faults per hash", async () => {
    const start = startCommand();
    expect(start.env.MALLOC_ARENA_MAX).toBe("1");
    expect(await hashPageFaults(start.env)).toBeLessThan(pagesPerBuffer / 100);
  }, 70_000);

  it("where one arena alone hands every buffer back to the kernel (what the thresholds prevent)", async () => {
    expect(await hashPageFaults({ MALLOC_ARENA_MAX: "1" })).toBeGreaterThan(pagesPerBuffer / 2);
  }, 70_000);
});
