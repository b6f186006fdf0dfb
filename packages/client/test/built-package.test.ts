import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The package as it would be published: packed by `pnpm pack` from the source tree as it is in a
// clean checkout (its prepack script builds dist/, which git ignores), unpacked under
// node_modules of a scratch project, and imported by plain Node (no type stripping under
// node_modules), entry point and subpath alike.

const packageDir = join(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "superoauth-client-build-"));
const builtBefore = existsSync(join(packageDir, "dist"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  // What the pack built, unless a developer's own build was there before.
  if (!builtBefore) rmSync(join(packageDir, "dist"), { recursive: true, force: true });
});

interface PackageJSON {
  name: string;
  license: string;
  engines: { node: string };
  exports: Record<string, string | { types: string; default: string }>;
  files: string[];
  dependencies: Record<string, string>;
  publishConfig: { exports: Record<string, { types: string; default: string }> };
}

describe("the packed package", () => {
  // The build takes seconds: more than Vitest's default 5 s on a busy machine.
  it("imports in plain Node through its published exports, with declarations for each", {
    timeout: 60_000,
  }, () => {
    const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as PackageJSON;
    // Packed from a tree without dist/: the build must come from the pack itself.
    rmSync(join(packageDir, "dist"), { recursive: true, force: true });
    execFileSync("pnpm", ["pack", "--pack-destination", scratch], { cwd: packageDir, stdio: "pipe" });
    const [tarball] = readdirSync(scratch).filter((name) => name.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const installed = join(scratch, "node_modules", "@superoauth", "client");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["xzf", join(scratch, tarball as string), "-C", installed, "--strip-components=1"]);
    // pnpm pack publishes publishConfig's exports in the packed package.json.
    const packed = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as PackageJSON;
    const { publishConfig } = pkg;
    expect(packed.exports).toEqual(publishConfig.exports);
    expect(existsSync(join(installed, "README.md"))).toBe(true);
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    expect(packed.engines).toEqual({ node: ">=20" });
    expect(packed.engines).toEqual(pkg.engines);
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
    // This Node, and the oldest the package declares (engines) where the machine has one: our
    // machines' system Node is 20 (/usr/bin/node), the project's own 24.
    const oldest = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);
    const nodes = [process.execPath, ...oldestDeclaredNodes(oldest)];
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      const output = execFileSync(node, ["--input-type=module", "-e", script], {
        cwd: scratch,
        encoding: "utf8",
      });
      expect(JSON.parse(output), node).toEqual({
        isError: true,
        code: "INVALID_CREDENTIALS",
        status: 401,
        codes: expect.any(Number),
        routes: expect.any(Number),
        signInURL: "/api/v1/oauth/github",
        oidc: "function",
      });
    }
  });
  it("refuses to be packed by npm, which would publish the TypeScript sources as its entry points", {
    timeout: 60_000,
  }, () => {
    // From a shell (npm's own settings only), and from a pnpm script (pnpm's npm_* settings
    // inherited, its user agent among them, which npm reads as its own).
    const fromAShell = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")),
    );
    for (const env of [fromAShell, process.env]) {
      const destination = mkdtempSync(join(tmpdir(), "superoauth-client-npm-"));
      try {
        let stderr = "";
        try {
          execFileSync("npm", ["pack", "--pack-destination", destination], {
            cwd: packageDir,
            stdio: "pipe",
            env,
          });
        } catch (error) {
          stderr = String((error as { stderr?: Buffer }).stderr ?? "");
        }
        expect(stderr).toContain("Pack and publish @superoauth/client with pnpm");
        expect(readdirSync(destination)).toEqual([]);
      } finally {
        rmSync(destination, { recursive: true, force: true });
      }
    }
  });
});

/** The Node executables on this machine, other than this one, whose major version is `major`. */
function oldestDeclaredNodes(major: number): string[] {
  return ["/usr/bin/node", "/usr/local/bin/node"].filter((path) => {
    if (!existsSync(path) || realpathSync(path) === realpathSync(process.execPath)) return false;
    const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    return version.startsWith(`v${major}.`);
  });
}
