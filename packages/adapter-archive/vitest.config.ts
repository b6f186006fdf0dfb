import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "adapter-archive", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
