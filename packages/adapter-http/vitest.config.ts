import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "adapter-http", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
