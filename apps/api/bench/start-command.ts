import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * How `pnpm start` runs the service (the root package.json's start script): the environment it
 * sets and Node's flags (ADR 0037: glibc's allocator and V8's young generation), so every process
 * the benchmark starts runs as it does. The benchmark adds BENCH_SERVER_NODE_OPTIONS after the flags (the last wins).
 */
export function startCommand(): { env: Record<string, string>; nodeFlags: string[] } {
  const rootPackage = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../package.json"), "utf8"));
  const script = String(rootPackage.scripts?.start);
  const parts = /^((?:[A-Z_]+=\S+ )*)exec node ((?:--\S+ )*)apps\/api\/src\/main\.ts$/.exec(script);
  if (parts === null) {
    throw new Error(
      `pnpm start is not "[NAME=value ...] exec node [--flag ...] apps/api/src/main.ts": ${script}`,
    );
  }
  const words = (text: string | undefined) => (text ?? "").split(" ").filter(Boolean);
  return {
    env: Object.fromEntries(
      words(parts[1]).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    ),
    nodeFlags: words(parts[2]),
  };
}
