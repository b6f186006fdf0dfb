// Loaded into each benchmarked server with `node --import` (run.ts): measures from inside the
// server process, without a line of the service knowing. On "sample" over the IPC channel it
// answers the event-loop delay since the last sample (perf_hooks.monitorEventLoopDelay), the CPU
// time the process used since then, and its peak RSS so far, then starts a new interval.
import { monitorEventLoopDelay } from "node:perf_hooks";

/** What the probe answers to "sample" (run.ts reads it). */
export interface ProbeSample {
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly cpuMicroseconds: number;
  readonly peakRSSBytes: number;
}

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let cpu = process.cpuUsage();

process.on("message", (message) => {
  if (message !== "sample") return;
  const used = process.cpuUsage(cpu);
  const sample: ProbeSample = {
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: delay.max / 1e6,
    cpuMicroseconds: used.user + used.system,
    // maxRSS is in kibibytes (getrusage).
    peakRSSBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.send?.(sample);
  delay.reset();
  cpu = process.cpuUsage();
});
// The channel must not keep the server alive once it has shut down.
process.channel?.unref();
