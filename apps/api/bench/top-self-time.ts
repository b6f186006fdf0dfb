// node bench/top-self-time.ts <file.cpuprofile> [count]: the functions a CPU profile (from
// BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=DIR" pnpm bench) spent the most time in
// themselves, not in what they called. How docs/performance.md reads its profiles.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** The parts of V8's .cpuprofile format (Chrome DevTools' Profiler.Profile) read here. */
interface CPUProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** The node each sample was in, and the microseconds since the previous sample. */
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, count = "25"] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: node bench/top-self-time.ts <file.cpuprofile> [count]");
const profile = JSON.parse(readFileSync(file, "utf8")) as CPUProfile;

const frameOf = new Map(
  profile.nodes.map(({ id, callFrame: { functionName, url, lineNumber } }) => [
    id,
    // lineNumber is 0-based in the profile.
    `${functionName || "(anonymous)"} ${url === "" ? "" : `${basename(url)}:${lineNumber + 1}`}`,
  ]),
);
const selfMicroseconds = new Map<string, number>();
let totalMicroseconds = 0;
profile.samples.forEach((node, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  const frame = frameOf.get(node) ?? "(unknown)";
  selfMicroseconds.set(frame, (selfMicroseconds.get(frame) ?? 0) + delta);
  totalMicroseconds += delta;
});

console.log(`${(totalMicroseconds / 1000).toFixed(0)} ms sampled; self time:`);
for (const [frame, microseconds] of [...selfMicroseconds]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(count))) {
  const percent = ((microseconds / totalMicroseconds) * 100).toFixed(1).padStart(5);
  console.log(`${percent} % ${(microseconds / 1000).toFixed(0).padStart(7)} ms  ${frame}`);
}
