import type { TestProjectConfiguration } from "vitest/config";

// The project list lives here (the layout the design card names); the root
// vitest.config.ts hands it to Vitest's `test.projects`. Each package names its
// own project in its vitest.config.ts; the root project holds repository-wide tests.
export const projects: TestProjectConfiguration[] = [
  "packages/*",
  "apps/*",
  { test: { name: "repository", include: ["test/**/*.test.ts"] } },
  // The HTTP-level integration tests again, on SQLite (useTestDatabase reads TEST_DATABASE); the
  // "api" project runs them on MySQL. Left out: the tests of MySQL itself (its outages through a TCP
  // proxy, the CLI and db:copy against a MySQL server), the dependency-fault suite (Redis, SMTP,
  // providers and SIGTERM: its subject is not the database) and the browser tests.
  {
    test: {
      name: "api-sqlite",
      root: "./apps/api",
      // Every integration test, so a new one runs on both databases unless it is about MySQL.
      include: ["test/**/*.int.test.ts"],
      exclude: [
        "test/cli.int.test.ts",
        "test/database-outage.int.test.ts",
        "test/db-copy.int.test.ts",
        "test/faults-mysql.int.test.ts",
        "test/faults.int.test.ts",
      ],
      env: { TEST_DATABASE: "sqlite" },
      testTimeout: 30_000,
      hookTimeout: 120_000,
    },
  },
];
