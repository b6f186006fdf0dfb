import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { routes } from "../src/routes.ts";

// Every `ts` sample of the README, each as its own module, type-checked against the package as a
// user's strict project would (inside the package, so `@superoauth/client` resolves to itself).
// What a sample leaves to the reader's app (its inputs, its UI) is declared, nothing else: a
// sample that forgets an import, or calls a method or option the package no longer has, fails.

const packageDir = join(import.meta.dirname, "..");
const scratch = join(packageDir, ".readme-samples");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const theReadersApp = `
declare const email: string;
declare const password: string;
declare const nickname: string;
declare function showSignInPage(reason: string): void;
declare function askForCode(): Promise<string>;
declare function showError(message: string): void;
declare function redirect(url: string): void;
declare function saveRefreshToken(token: string | null): void;
declare const callbackRequestURL: URL;
`;

function samplesOf(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
}

describe("the README's samples", () => {
  it("type-check against the package, each on its own", { timeout: 60_000 }, () => {
    const samples = samplesOf(readFileSync(join(packageDir, "README.md"), "utf8"));
    expect(samples.length).toBeGreaterThanOrEqual(8);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch);
    samples.forEach((sample, index) => {
      // A sample that goes on from an earlier one uses its `client`.
      const earlierClient = /\bconst client\b/.test(sample)
        ? ""
        : 'import type { SuperOAuthClient as EarlierClient } from "@superoauth/client";\ndeclare const client: EarlierClient;\n';
      writeFileSync(
        join(scratch, `sample-${index + 1}.ts`),
        `${sample}\n${earlierClient}${theReadersApp}export {};\n`,
      );
    });
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        extends: "../../../tsconfig.base.json",
        compilerOptions: {
          lib: ["es2024", "dom"],
          types: ["node"],
          exactOptionalPropertyTypes: true,
          noUnusedLocals: false,
          skipLibCheck: false,
        },
        // Named one by one: a directory whose name starts with a dot is not globbed.
        files: samples.map((_sample, index) => `sample-${index + 1}.ts`),
      }),
    );
    const tsc = join(packageDir, "..", "..", "node_modules", ".bin", "tsc");
    let output = "";
    try {
      execFileSync(tsc, ["-p", join(scratch, "tsconfig.json")], { stdio: "pipe", encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  });
});

describe("the README's method table", () => {
  it("names every route's method and route, and nothing else", () => {
    const readme = readFileSync(join(packageDir, "README.md"), "utf8");
    const rows = [
      ...readme.matchAll(/^\| `client\.([a-zA-Z]+\.[a-zA-Z]+)\(\)` +\| `([A-Z]+) \/api\/v1(\S+)` +\|/gm),
    ].map((match) => `${match[1]} ${match[2]} ${match[3]}`);
    const expected = Object.entries(routes).map(([name, route]) => `${name} ${route.method} ${route.path}`);
    expect(rows).toEqual(expected);
  });
});
