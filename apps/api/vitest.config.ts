import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "api",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // It mocks node:fs, so it runs in the isolated project "module-mocks" (vitest.workspace.ts).
    exclude: ["src/development-secrets.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Files share a worker: vitest.workspace.ts says why, and where a file that mocks a module goes.
    isolate: false,
  },
});
