import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "application",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Use cases over in-memory ports each test builds for itself, no module state: files share a
    // worker instead of paying its start-up each (docs/reliability.md, "Test suite time").
    isolate: false,
  },
});
