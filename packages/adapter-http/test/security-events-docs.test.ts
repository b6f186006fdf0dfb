import { readFileSync } from "node:fs";
import { join } from "node:path";
import { securityEventTypes, securityNoticeTypes } from "@superoauth/domain";
import { describe, expect, it } from "vitest";

// docs/account-security.md lists every security event type a user can see in their log, and every
// one that mails them a notice: this keeps both lists in step with the domain.

const docs = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "account-security.md"), "utf8");

/** The text of the `## title` section, up to the next `## ` heading. */
function section(title: string): string {
  const start = docs.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`no "## ${title}" section in docs/account-security.md`);
  const end = docs.indexOf("\n## ", start + 1);
  return docs.slice(start, end === -1 ? undefined : end);
}

function namedTypes(text: string): string[] {
  return [...new Set([...text.matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)].map((match) => match[1] ?? ""))];
}

describe("docs/account-security.md", () => {
  it("lists every security event type, and no other, under Security events", () => {
    const named = namedTypes(section("Security events"));
    expect(named.sort()).toEqual([...securityEventTypes].sort());
  });

  it("lists every event that mails a notice, and no other, under Security notices", () => {
    const table = section("Security notices")
      .split("\n")
      .filter((line) => line.startsWith("| `"));
    const named = table.map((line) => /^\| `([a-z_]+)`/.exec(line)?.[1]);
    expect(named.sort()).toEqual([...securityNoticeTypes].sort());
  });
});
