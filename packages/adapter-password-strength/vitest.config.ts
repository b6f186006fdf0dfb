import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "adapter-password-strength", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
