import { describe, expect, it } from "vitest";
import { cpuSplitBetween, cpuSplitNow, cpuSplitSum, threadKind } from "../bench/cpu-split.ts";

// The benchmark's account of where the machine's CPU went (bench/cpu-split.ts), read from /proc:
// the project's machines are Linux, so it must read something here.
describe("the benchmark's CPU split", () => {
  it("sorts a process's threads by the names Node and libuv give them", () => {
    expect(threadKind("libuv-worker")).toBe("hashing pool");
    expect(threadKind("MainThread")).toBe("main thread");
    expect(threadKind("WorkerThread")).toBe("worker threads");
    expect(threadKind("V8Worker")).toBe("V8 helpers");
    expect(threadKind("DelayedTaskSche")).toBe("V8 helpers");
    expect(threadKind("SignalInspector")).toBe("other");
  });

  it("counts this process's main thread, the process and the machine while it works", () => {
    const before = cpuSplitNow(process.pid);
    if (before === null) throw new Error("no /proc here: the benchmark's CPU split needs Linux");
    // 300 ms of this thread's own CPU time, however busy the machine is (not of the wall clock).
    const cpuMicros = () => {
      const used = process.threadCpuUsage();
      return used.user + used.system;
    };
    const until = cpuMicros() + 300_000;
    let spin = 0;
    while (cpuMicros() < until) spin++;
    const after = cpuSplitNow(process.pid);
    if (after === null) throw new Error("/proc went away");
    const spent = cpuSplitBetween(before, after);

    expect(spin).toBeGreaterThan(0);
    // /proc counts whole 10 ms ticks of the same accounting: 300 ms less two ticks' rounding at most.
    expect(spent.serverThreads["main thread"]).toBeGreaterThanOrEqual(280_000);
    expect(spent.benchmark).toBeGreaterThanOrEqual(spent.serverThreads["main thread"] - 20_000);
    expect(spent.total).toBeGreaterThanOrEqual(spent.serverThreads["main thread"]);
    expect(spent.idle).toBeLessThanOrEqual(spent.total);
    expect(cpuSplitSum(spent, spent).total).toBe(2 * spent.total);
    expect(cpuSplitNow(undefined)).toBeNull();
  });

  it("counts the server's minor page faults: memory the kernel maps for it", () => {
    const before = cpuSplitNow(process.pid);
    if (before === null) throw new Error("no /proc here: the benchmark's CPU split needs Linux");
    // 40 MiB filled: pages the kernel maps as they are first written, 10,240 of 4 KiB (20 where it
    // gives huge pages of 2 MiB); a block over 32 MiB, glibc's highest mmap threshold, is mapped
    // fresh, never taken from what malloc holds.
    const buffer = Buffer.allocUnsafeSlow(40 * 1024 * 1024).fill(1);
    const after = cpuSplitNow(process.pid);
    if (after === null) throw new Error("/proc went away");

    expect(buffer.at(-1)).toBe(1);
    expect(cpuSplitBetween(before, after).serverMinorFaults).toBeGreaterThanOrEqual(20);
  });
});
