import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentVariables } from "./config.ts";
import { renderEnvExample, renderReadmeTable } from "./config-docs.ts";

const root = join(import.meta.dirname, "../../..");

describe("configuration documents", () => {
  it(".env.example is the one written from the variables table (pnpm config:docs)", () => {
    expect(readFileSync(join(root, ".env.example"), "utf8")).toBe(renderEnvExample());
  });

  it("the README's configuration table is the one written from the variables table (pnpm config:docs)", () => {
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain(renderReadmeTable());
  });

  it("lists every variable once in .env.example with its literal default", () => {
    const listed = [...renderEnvExample().matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)];
    expect(listed.map((m) => m[1])).toEqual(Object.keys(environmentVariables));
    for (const [, name, shown] of listed) {
      const variable = environmentVariables[name as keyof typeof environmentVariables];
      expect([name, shown]).toEqual([name, variable.literalDefault ? variable.default : ""]);
    }
  });

  it("gives every README row the variable's default", () => {
    const rows = [...renderReadmeTable().matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\| (.*?) +\| /gm)];
    expect(rows.map((m) => m[1])).toEqual(Object.keys(environmentVariables));
    expect(rows.find((m) => m[1] === "DATABASE_URL")?.[2]).toBe("`sqlite:./data/superoauth.db`");
    expect(rows.find((m) => m[1] === "LOCKOUT_THRESHOLD")?.[2]).toBe("`5`");
  });
});
