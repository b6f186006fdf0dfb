import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "adapter-tokens", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
