import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "domain",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Pure functions without module state: files share a worker instead of paying its start-up each
    // (about 1.5 s per file; docs/reliability.md, "Test suite time").
    isolate: false,
  },
});
