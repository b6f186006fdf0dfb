import type { TestProjectConfiguration } from "vitest/config";

// The project list lives here (the layout the design card names); the root
// vitest.config.ts hands it to Vitest's `test.projects`. Each package names its
// own project in its vitest.config.ts; the root project holds repository-wide tests.
export const projects: TestProjectConfiguration[] = [
  "packages/*",
  "apps/*",
  { test: { name: "repository", include: ["test/**/*.test.ts"] } },
  // The HTTP-level integration tests again, on SQLite (useTestDatabase reads TEST_DATABASE); the
  // "api" project runs them on MySQL. Left out: the tests of MySQL itself (its outages and faults
  // through a TCP proxy, the CLI against a MySQL server), and the browser tests.
  {
    test: {
      name: "api-sqlite",
      root: "./apps/api",
      include: [
        "test/housekeeping.int.test.ts",
        "test/lockout-race.int.test.ts",
        "test/mail-flows.int.test.ts",
        "test/oauth.int.test.ts",
        "test/races.int.test.ts",
        "test/reauthentication.int.test.ts",
        "test/refresh-rotation.int.test.ts",
        "test/service.int.test.ts",
        "test/two-factor.int.test.ts",
      ],
      env: { TEST_DATABASE: "sqlite" },
      testTimeout: 30_000,
      hookTimeout: 120_000,
    },
  },
];
