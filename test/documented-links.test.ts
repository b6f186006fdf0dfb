import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// A newcomer follows the README's and docs' links: every relative link must reach a file of the
// repository, and a link to a heading (`file.md#heading`, or `#heading` in the same file) must
// reach a heading of that file, named as GitHub names its anchors.

const root = resolve(import.meta.dirname, "..");

function markdownFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** The text a reader sees as prose: code blocks and inline code hold no links. */
function prose(markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const text = (match[1] ?? "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/`/g, "");
    const slug = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function brokenLinksIn(file: string, markdown = readFileSync(file, "utf8")): string[] {
  const broken: string[] = [];
  for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const link = match[1] ?? "";
    if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto: and the like leave the repository
    const [path = "", heading] = link.split("#");
    const where = `${relative(root, file)}: ${link}`;
    if (path === "") {
      if (heading && !anchorsOf(markdown).has(heading)) broken.push(`${where} (no such heading)`);
      continue;
    }
    const target = resolve(dirname(file), path);
    if (!existsSync(target)) broken.push(`${where} (no such file)`);
    else if (heading && statSync(target).isFile() && target.endsWith(".md")) {
      if (!anchorsOf(readFileSync(target, "utf8")).has(heading)) broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

describe("documented links", () => {
  const documents = markdownFiles(root);

  it("every relative link in the README and docs reaches a file, and its heading when it names one", () => {
    expect(documents.flatMap((file) => brokenLinksIn(file))).toEqual([]);
  });

  it("names anchors as GitHub does, and sees the documents (so the check cannot pass vacuously)", () => {
    expect([
      ...anchorsOf("# Metrics and what to alert on\n## `pnpm bench` (full)\n## Races\n## Races\n"),
    ]).toEqual(["metrics-and-what-to-alert-on", "pnpm-bench-full", "races", "races-1"]);
    expect(documents.map((file) => relative(root, file))).toEqual(
      expect.arrayContaining(["README.md", "docs/operations.md", "packages/client/README.md"]),
    );
    // A page of docs/ with a link to a missing file, one to a missing heading, and three good ones.
    const page = join(root, "docs", "a-page.md");
    expect(
      brokenLinksIn(
        page,
        "# Top\nSee [ops](operations.md#metrics-and-what-to-alert-on), [top](#top), [the site](https://example.com/x),\n" +
          "[gone](missing.md), [no heading](operations.md#what-to-alert-on), [bottom](#bottom) and `[code](not-a-link.md)`.\n",
      ),
    ).toEqual([
      "docs/a-page.md: missing.md (no such file)",
      "docs/a-page.md: operations.md#what-to-alert-on (no such heading)",
      "docs/a-page.md: #bottom (no such heading)",
    ]);
  });

  it("the decisions' index lists every decision record, by its file", () => {
    const folder = join(root, "docs", "decisions");
    const records = readdirSync(folder).filter((name) => /^\d{4}-.*\.md$/.test(name));
    const index = readFileSync(join(folder, "README.md"), "utf8");
    const listed = [...index.matchAll(/\]\((\d{4}-[^)]+\.md)\)/g)].map((match) => match[1]);
    expect(records.length).toBeGreaterThan(40);
    expect(listed.sort()).toEqual(records.sort());
  });
});
