import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "adapter-web", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
