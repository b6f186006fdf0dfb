import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The package graph is the architecture (docs/architecture.md). pnpm's strict
// linking already fails undeclared imports; this test also fails declared ones
// that break the layering, in package.json and in the source.

const root = join(import.meta.dirname, "..");

function packageJSON(dir: string): {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      // Plain JavaScript too: the password screen's worker modules are .js (ADR 0041).
      else if (path.endsWith(".ts") || path.endsWith(".js")) out.push(path);
    }
  };
  walk(join(root, dir));
  return out;
}

/** Every module specifier imported or re-exported by a file (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:^|\s)(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/gm)].map(
    (m) => m[1],
  );
  const bare = [...text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)].map((m) => m[1]);
  const dynamic = [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  return [...specifiers, ...bare, ...dynamic].filter((s): s is string => s !== undefined);
}

const isTestOnly = (file: string) => file.endsWith(".test.ts") || file.includes("/testing/");
const adapters = readdirSync(join(root, "packages")).filter((d) => d.startsWith("adapter-"));

describe("architecture", () => {
  it("domain declares no dependencies", () => {
    const pkg = packageJSON("packages/domain");
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  it("domain source imports only its own files", () => {
    const offenders = sourceFiles("packages/domain/src")
      .filter((f) => !f.endsWith(".test.ts"))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => !s.startsWith("./"))
          .map((s) => `${relative(root, f)} -> ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it("application depends on the domain only", () => {
    expect(Object.keys(packageJSON("packages/application").dependencies ?? {})).toEqual([
      "@superoauth/domain",
    ]);
    const offenders = sourceFiles("packages/application/src")
      .filter((f) => !isTestOnly(f))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => !s.startsWith("./") && !s.startsWith("../") && s !== "@superoauth/domain")
          .map((s) => `${relative(root, f)} -> ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it("application test kits import nothing but the domain, themselves and vitest", () => {
    const offenders = sourceFiles("packages/application/src")
      .filter(isTestOnly)
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => !s.startsWith(".") && s !== "@superoauth/domain" && s !== "vitest")
          .map((s) => `${relative(root, f)} -> ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it("adapters never depend on one another (their source; a test may drive one adapter through another)", () => {
    for (const adapter of adapters) {
      const deps = Object.keys(packageJSON(`packages/${adapter}`).dependencies ?? {});
      expect(
        deps.filter((d) => d.startsWith("@superoauth/adapter-")),
        adapter,
      ).toEqual([]);
      const offenders = sourceFiles(`packages/${adapter}/src`).flatMap((f) =>
        importsOf(f)
          .filter((s) => s.startsWith("@superoauth/adapter-"))
          .map((s) => `${relative(root, f)} -> ${s}`),
      );
      expect(offenders, adapter).toEqual([]);
    }
    // The scan reads the JavaScript modules too.
    expect(
      sourceFiles("packages/adapter-password-strength/src").filter((f) => f.endsWith(".js")).length,
    ).toBeGreaterThan(0);
  });

  it("the HTTP adapter knows use cases, not repositories or database libraries", () => {
    const offenders = sourceFiles("packages/adapter-http/src").flatMap((f) =>
      importsOf(f)
        .filter((s) => ["kysely", "mysql2", "argon2", "jose"].includes(s) || /repository/i.test(s))
        .map((s) => `${relative(root, f)} -> ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("only adapter-oidc imports oidc-provider (issue 9), in its package.json and its source", () => {
    const packages = [
      ...adapters.map((a) => `packages/${a}`),
      "packages/application",
      "packages/domain",
      "apps/api",
    ];
    const declaring = packages.filter((dir) => {
      const pkg = packageJSON(dir) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      return "oidc-provider" in { ...pkg.dependencies, ...pkg.devDependencies };
    });
    expect(declaring).toEqual(["packages/adapter-oidc"]);
    const importing = packages
      .filter((dir) => dir !== "packages/adapter-oidc")
      .flatMap((dir) => ["src", "test"].map((sub) => `${dir}/${sub}`))
      .filter((dir) => existsSync(join(root, dir)))
      .flatMap((dir) => sourceFiles(dir))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => s === "oidc-provider")
          .map(() => relative(root, f)),
      );
    expect(importing).toEqual([]);
  });

  it("the client SDK depends on nothing of ours at run time, and its source runs in browsers (issue 11)", () => {
    const pkg = packageJSON("packages/client");
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(["oauth4webapi"]);
    expect(pkg.peerDependencies ?? {}).toEqual({});
    const offenders = sourceFiles("packages/client/src")
      .filter((f) => !isTestOnly(f))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => !s.startsWith("./") && s !== "oauth4webapi")
          .map((s) => `${relative(root, f)} -> ${s}`),
      );
    expect(offenders).toEqual([]);
    expect(sourceFiles("packages/client/src").filter((f) => !isTestOnly(f)).length).toBeGreaterThan(5);
  });

  it("no package depends on the client SDK at run time (only apps/api's tests use it)", () => {
    const dependents = [
      ...adapters.map((a) => `packages/${a}`),
      "packages/application",
      "packages/domain",
      "apps/api",
    ].filter((dir) => "@superoauth/client" in (packageJSON(dir).dependencies ?? {}));
    expect(dependents).toEqual([]);
  });

  it("the import scanner sees imports (so the rules above cannot pass vacuously)", () => {
    const imports = importsOf(join(root, "packages/application/src/use-cases.ts"));
    expect(imports).toContain("./ports/index.ts");
    expect(importsOf(join(root, "packages/adapter-http/src/app.ts"))).toContain("fastify");
  });
});
