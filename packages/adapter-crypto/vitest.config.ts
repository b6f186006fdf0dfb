import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "adapter-crypto",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Files share a worker: vitest.workspace.ts says why, and where a file that mocks a module goes.
    isolate: false,
  },
});
