import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
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

// How many faults map one 19 MiB buffer: 4,864 pages of 4 KiB, or about 10 where the kernel
// gives every large anonymous mapping huge pages of 2 MiB (transparent huge pages "always", the
// default of some distributions; this project's machines say "madvise").
const hugePagesAlways = (() => {
  try {
    return readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8").includes("[always]");
  } catch {
    return false;
  }
})();
const faultsPerBuffer = Math.ceil((19_456 * 1024) / (hugePagesAlways ? 2 * 1024 * 1024 : 4096));

describe("pnpm start's memory settings and argon2id (ADR 0061)", () => {
  it("reuse each hash's 19 MiB buffer: almost no page faults per hash", async () => {
    const start = startCommand();
    expect(start.env.MALLOC_ARENA_MAX).toBe("1");
    expect(await hashPageFaults(start.env)).toBeLessThan(Math.max(1, faultsPerBuffer / 100));
  }, 70_000);

  it("where one arena alone hands every buffer back to the kernel (what the thresholds prevent)", async () => {
    expect(await hashPageFaults({ MALLOC_ARENA_MAX: "1" })).toBeGreaterThan(faultsPerBuffer / 2);
  }, 70_000);
});
