import { readFile } from "node:fs/promises";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { projects } from "./vitest.workspace.ts";

/**
 * How long a kind of test file usually runs, most first (docs/reliability.md, "Test suite time"):
 * the fuzz file and the image build alone take minutes and tens of seconds, a browser file drives
 * Chromium, an e2e file starts processes, an integration file a database.
 */
function weightOf(file: string): number {
  if (file.endsWith("/fuzz.test.ts") || file.endsWith("/container-image.test.ts")) return 4;
  if (file.endsWith(".browser.test.ts")) return 3;
  if (file.endsWith(".e2e.test.ts")) return 2;
  if (file.endsWith(".int.test.ts")) return 1;
  return 0;
}

/**
 * Slowest kinds first, across projects. Vitest's own order runs project after project and, with
 * no timings cached (a clean clone, as in CI), larger files first: a small, slow file (the image
 * build) then ran last with one of the two workers idle. With every file's timing cached (a second
 * local run), failed files first, then the longest; otherwise by kind, then size.
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
    return [...files].sort((a, b) => {
      const [resultA, resultB] = [results.get(a), results.get(b)];
      if (cached && resultA !== undefined && resultB !== undefined) {
        if (resultA.failed !== resultB.failed) return resultA.failed ? -1 : 1;
        return resultB.duration - resultA.duration;
      }
      const byWeight = weightOf(b.moduleId) - weightOf(a.moduleId);
      return byWeight !== 0 ? byWeight : (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0);
    });
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
