import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningServer, startServerProcess } from "./server-process.ts";

// `pnpm dev` (and `npm run dev`): the root package.json's script, run as it is written, in a
// temporary working directory whose .env the watching process reads; editing that file restarts it.

const rootPackage = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "../../../package.json"), "utf8"),
) as { scripts: Record<string, string> };
const workDirectory = mkdtempSync(join(tmpdir(), "superoauth-dev-"));
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("pnpm dev", () => {
  it("serves /health with human-readable logs, and restarts when a watched file changes", async () => {
    const script =
      /^LOG_FORMAT=pretty exec node (--watch(?: --[\w-]+(?:=\S+)?)*) apps\/api\/src\/main\.ts$/.exec(
        rootPackage.scripts.dev ?? "",
      );
    expect(script, rootPackage.scripts.dev).not.toBeNull();
    const nodeFlags = (script?.[1] ?? "").split(" ");
    expect(nodeFlags).toContain("--env-file-if-exists=.env");
    writeFileSync(join(workDirectory, ".env"), "JWT_ISSUER=first\n");

    server = await startServerProcess({
      env: { LOG_FORMAT: "pretty", DATABASE_URL: "sqlite::memory:" },
      cwd: workDirectory,
      nodeFlags,
    });
    expect((await fetch(`${server.baseURL}/health`)).status).toBe(200);
    // pino-pretty's lines, not JSON.
    expect(server.output()).toMatch(/INFO.*: Server listening at http:\/\/127\.0\.0\.1:\d+/);
    expect(server.output()).not.toContain('{"level":');

    const before = server.output().length;
    writeFileSync(join(workDirectory, ".env"), "JWT_ISSUER=second\n");

    const [, restartedURL] = await server.waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/, {
      from: before,
      timeoutMs: 20_000,
    });
    const afterEdit = server.output().slice(before);
    expect(afterEdit).toMatch(/Restarting/);
    // The old process shut down gracefully before the new one started.
    expect(afterEdit.indexOf("shutting down")).toBeGreaterThanOrEqual(0);
    expect(afterEdit.indexOf("shutting down")).toBeLessThan(afterEdit.indexOf("Server listening"));
    expect((await fetch(`${restartedURL}/health`)).status).toBe(200);
  });

  it("pnpm start stays the production-style start: no watcher, JSON lines", () => {
    expect(rootPackage.scripts.start).toBe(
      "MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=20971520 MALLOC_TRIM_THRESHOLD_=41943040 exec node --max-semi-space-size=8 apps/api/src/main.ts",
    );
    // The app's own start (run from apps/api) is the same command, its path relative to the app.
    const appPackage = JSON.parse(readFileSync(resolve(import.meta.dirname, "../package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(appPackage.scripts.start).toBe(rootPackage.scripts.start?.replace("apps/api/src/", "src/"));
  });
});
