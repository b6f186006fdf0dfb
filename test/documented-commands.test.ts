import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The commands the README and docs/ give must do what they say: `pnpm <name>` runs the package's
// script of that name only when pnpm has no command of its own by that name. `pnpm doctor` is
// pnpm's own check of pnpm's installation (it exits 0 having checked nothing of ours), so our
// doctor is `pnpm run doctor`.

const root = resolve(import.meta.dirname, "..");

/** pnpm's commands that do not fall back to a script of the same name (pnpm 10). */
const pnpmCommands = new Set([
  "add",
  "audit",
  "bin",
  "cache",
  "config",
  "create",
  "deploy",
  "dlx",
  "doctor",
  "env",
  "exec",
  "fetch",
  "help",
  "import",
  "init",
  "install",
  "licenses",
  "link",
  "list",
  "ls",
  "outdated",
  "pack",
  "patch",
  "prune",
  "publish",
  "rebuild",
  "remove",
  "root",
  "server",
  "setup",
  "store",
  "unlink",
  "update",
  "why",
]);

function markdownFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownFiles(join(folder, entry.name))
      : entry.name.endsWith(".md")
        ? [join(folder, entry.name)]
        : [],
  );
}

describe("documented commands", () => {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
      .scripts,
  );
  const documents = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))];

  it("no `pnpm <script>` in the README or docs names one of pnpm's own commands instead", () => {
    const shadowed: string[] = [];
    for (const file of documents) {
      for (const match of readFileSync(file, "utf8").matchAll(/\bpnpm ([a-z][a-z:-]*)/g)) {
        const name = match[1] ?? "";
        if (scripts.includes(name) && pnpmCommands.has(name)) shadowed.push(`${file}: pnpm ${name}`);
      }
    }
    expect(shadowed).toEqual([]);
  });

  it("sees the scripts and the documents (so the check above cannot pass vacuously)", () => {
    expect(scripts).toContain("doctor");
    expect(documents.length).toBeGreaterThan(5);
  });
});
