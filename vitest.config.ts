import { readFile } from "node:fs/promises";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { projects } from "./vitest.workspace.ts";

/**
 * How long a kind of test file usually runs, most first (docs/reliability.md, "Test suite time"):
 * the fuzz shards and the image build take a minute or more each, a browser file drives
 * Chromium, an e2e file starts processes, an integration file a database.
 */
function weightOf(file: string): number {
  if (/\/fuzz-\d+\.test\.ts$/.test(file) || file.endsWith("/container-image.test.ts")) return 4;
  if (file.endsWith(".browser.test.ts")) return 3;
  if (file.endsWith(".e2e.test.ts")) return 2;
  if (file.endsWith(".int.test.ts")) return 1;
  return 0;
}

/**
 * Slowest first, project by project. Vitest's own order runs project after project and, with no
 * timings cached (a clean clone, as in CI), larger files first: a small, slow file (the image
 * build) then ran last with one of the two workers idle. Here a file's cost is its cached duration
 * (a failed file first) when every file has one, as in a second local run, and otherwise its kind,
 * then its size; projects go in the order of their costliest file, and each project's files
 * together, costliest first. Together, because a worker is kept for the next file only when that
 * file is of the same project (isolate: false, vitest.workspace.ts): interleaved projects would pay a
 * fresh worker and the imports again at every change.
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const results = new Map(files.map((spec) => [spec, this.ctx.cache.getTestSpecificationResult(spec)]));
    const cached = [...results.values()].every((result) => result !== undefined);
    const sizes = new Map(
      await Promise.all(
        files.map(async (spec) => [spec, (await readFile(spec.moduleId)).byteLength] as const),
      ),
    );
    const costOf = (spec: TestSpecification): number => {
      const result = results.get(spec);
      if (cached && result !== undefined) return result.failed ? Number.POSITIVE_INFINITY : result.duration;
      return weightOf(spec.moduleId) * 1e9 + (sizes.get(spec) ?? 0);
    };
    const costs = new Map(files.map((spec) => [spec, costOf(spec)]));
    const projectCosts = new Map<string, number>();
    for (const [spec, cost] of costs) {
      projectCosts.set(spec.project.name, Math.max(cost, projectCosts.get(spec.project.name) ?? 0));
    }
    const projectCost = (spec: TestSpecification) => projectCosts.get(spec.project.name) ?? 0;
    return [...files].sort(
      (a, b) =>
        projectCost(b) - projectCost(a) ||
        a.project.name.localeCompare(b.project.name) ||
        (costs.get(b) ?? 0) - (costs.get(a) ?? 0),
    );
  }
}

export default defineConfig({
  test: {
    projects,
    sequence: { sequencer: SlowFirstSequencer },
    // In CI also write a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".ci/vitest-report.json" },
  },
});
