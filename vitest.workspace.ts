import type { TestProjectConfiguration } from "vitest/config";

// The project list lives here (the layout the design card names); the root
// vitest.config.ts hands it to Vitest's `test.projects`. Each package names its
// own project in its vitest.config.ts; the root project holds repository-wide tests.
export const projects: TestProjectConfiguration[] = [
  "packages/*",
  "apps/*",
  { test: { name: "repository", include: ["test/**/*.test.ts"] } },
];
