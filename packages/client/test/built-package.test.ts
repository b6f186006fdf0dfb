import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The package as npm would publish it: built with its own build config, its package.json with the
// publishConfig exports, installed under node_modules of a scratch project, and imported by plain
// Node (no type stripping under node_modules), entry point and subpath alike.

const packageDir = join(import.meta.dirname, "..");
const repositoryRoot = join(packageDir, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "superoauth-client-build-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface PackageJSON {
  name: string;
  exports: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  publishConfig: { exports: Record<string, { types: string; default: string }> };
}

describe("the built package", () => {
  // The build takes seconds: more than Vitest's default 5 s on a busy machine.
  it("imports in plain Node through its published exports, with declarations for each", {
    timeout: 60_000,
  }, () => {
    const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as PackageJSON;
    const installed = join(scratch, "node_modules", "@superoauth", "client");
    mkdirSync(installed, { recursive: true });
    execFileSync(join(repositoryRoot, "node_modules", ".bin", "tsc"), [
      "-p",
      join(packageDir, "tsconfig.build.json"),
      "--outDir",
      join(installed, "dist"),
    ]);
    const { publishConfig, ...published } = pkg;
    writeFileSync(join(installed, "package.json"), JSON.stringify({ ...published, ...publishConfig }));
    cpSync(join(packageDir, "README.md"), join(installed, "README.md"));
    // Its one run-time dependency, as npm would install it beside it.
    expect(Object.keys(pkg.dependencies)).toEqual(["oauth4webapi"]);
    symlinkSync(
      realpathSync(join(packageDir, "node_modules", "oauth4webapi")),
      join(scratch, "node_modules", "oauth4webapi"),
    );

    for (const entry of Object.values(publishConfig.exports)) {
      expect(readFileSync(join(installed, entry.types), "utf8")).toMatch(/export /);
      expect(readFileSync(join(installed, entry.default), "utf8")).toMatch(/export /);
    }
    expect(Object.keys(publishConfig.exports)).toEqual(Object.keys(pkg.exports));

    const script = `
      import { SuperOAuthClient, SuperOAuthError, errorCodes, routes } from "@superoauth/client";
      import { SuperOAuthOIDCClient } from "@superoauth/client/oidc";
      const client = new SuperOAuthClient({
        baseURL: "https://auth.example.test",
        retry: false,
        fetch: async () => Response.json({ success: false, error: "INVALID_CREDENTIALS", message: "no" }, { status: 401 }),
      });
      const error = await client.auth.logIn({ email: "a@example.com", password: "x" }).catch((e) => e);
      const { url } = await client.oauth.createSignInURL({ provider: "github" });
      console.log(JSON.stringify({
        isError: error instanceof SuperOAuthError,
        code: error.code,
        status: error.status,
        codes: errorCodes.length,
        routes: Object.keys(routes).length,
        signInURL: new URL(url).pathname,
        oidc: typeof SuperOAuthOIDCClient.discover,
      }));
    `;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: scratch,
      encoding: "utf8",
    });
    expect(JSON.parse(output)).toEqual({
      isError: true,
      code: "INVALID_CREDENTIALS",
      status: 401,
      codes: expect.any(Number),
      routes: expect.any(Number),
      signInURL: "/api/v1/oauth/github",
      oidc: "function",
    });
  });
});
