import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { moduleMockFiles } from "../vitest.workspace.ts";

// Every project's files share a worker (isolate: false), where `vi.mock` cannot be relied on: a
// module another file loaded first stays unmocked, so the test would pass or fail by file order.
// vitest.workspace.ts names the files that mock a module; they run alone in "module-mocks".

const root = join(import.meta.dirname, "..");

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (path.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

/** The package folder holding a file, `apps/api` or `packages/<name>`, and its path from there. */
function ownProject(file: string): { folder: string; path: string } {
  const folder = file.split("/").slice(0, 2).join("/");
  return { folder, path: relative(join(root, folder), join(root, file)) };
}

describe("test isolation", () => {
  it("lists every test file that mocks a module, and no other", () => {
    const mocking = ["apps", "packages", "test"]
      .flatMap((dir) => testFiles(join(root, dir)))
      .filter((file) => /\bvi\.(do)?[mM]ock\(/.test(readFileSync(join(root, file), "utf8")));
    expect(mocking.sort()).toStrictEqual([...moduleMockFiles].sort());
  });

  it("keeps those files out of their own package's shared-worker project", async () => {
    for (const file of moduleMockFiles) {
      const { folder, path } = ownProject(file);
      const config = (await import(join(root, folder, "vitest.config.ts"))).default as {
        test: { exclude?: string[]; isolate?: boolean };
      };
      expect(config.test.isolate, folder).toBe(false);
      expect(config.test.exclude ?? [], `${folder} runs ${path} in a shared worker`).toContain(path);
    }
  });
});
