import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "adapter-crypto",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // No module state shared between files (each test builds its own app or adapter): files share a
    // worker instead of paying its start-up each (docs/reliability.md, "Test suite time").
    isolate: false,
  },
});
