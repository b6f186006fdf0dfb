// Loaded into each benchmarked server with `node --import` (run.ts): measures from inside the
// server process, without a line of the service knowing. On "sample" over the IPC channel it
// answers the event-loop delay since the last sample (perf_hooks.monitorEventLoopDelay), the CPU
// time the process used since then, its peak RSS so far and its memory now, then starts a new
// interval. On
// { profile: "start" } and { profile: "stop", file } it records a CPU profile of the process (V8's
// profiler, as --cpu-prof does) between the two and writes it to `file`: one scenario's profile,
// without the start-up and the set-up that --cpu-prof would mix in.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";

/** What the probe answers to "sample" (run.ts reads it). */
export interface ProbeSample {
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly cpuMicroseconds: number;
  readonly peakRSSBytes: number;
  /** process.memoryUsage() when sampled: RSS now, and the main thread's V8 heap and external memory. */
  readonly memory: { rss: number; heapTotal: number; heapUsed: number; external: number };
}

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let cpu = process.cpuUsage();

const inspector = new Session();
inspector.connect();

process.on("message", (message) => {
  if (typeof message === "object" && message !== null && "profile" in message) {
    void profile(message as { profile: "start" } | { profile: "stop"; file: string });
    return;
  }
  if (message !== "sample") return;
  const used = process.cpuUsage(cpu);
  const sample: ProbeSample = {
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: delay.max / 1e6,
    cpuMicroseconds: used.user + used.system,
    // maxRSS is in kibibytes (getrusage).
    peakRSSBytes: process.resourceUsage().maxRSS * 1024,
    memory: (({ rss, heapTotal, heapUsed, external }) => ({ rss, heapTotal, heapUsed, external }))(
      process.memoryUsage(),
    ),
  };
  process.send?.(sample);
  delay.reset();
  cpu = process.cpuUsage();
});
async function profile(command: { profile: "start" } | { profile: "stop"; file: string }): Promise<void> {
  if (command.profile === "start") {
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.start");
  } else {
    const { profile: recorded } = await inspector.post("Profiler.stop");
    writeFileSync(command.file, JSON.stringify(recorded));
  }
  process.send?.({ profiled: command.profile });
}

// The channel must not keep the server alive once it has shut down.
process.channel?.unref();
