import type { TestProjectConfiguration } from "vitest/config";

// The project list lives here (the layout the design card names); the root
// vitest.config.ts hands it to Vitest's `test.projects`. Each package names its
// own project in its vitest.config.ts; the root project holds repository-wide tests.
//
// Every project runs with `isolate: false`: its files share a worker and the modules it has
// imported, instead of each file paying a fresh worker and the service's imports (about a quarter
// of a file's time on 2 cores; docs/reliability.md, "Test suite time"). That holds because no test
// keeps module state between files: each builds its own app, database, server and fakes, and puts
// back what it changes (fake timers, environment). One thing does not survive sharing: `vi.mock`
// replaces a module only for importers that load it after the mock, and another file in the worker
// may have loaded it first. A file that mocks a module therefore runs alone in "module-mocks" (and
// test/test-isolation.test.ts fails for one left elsewhere).
export const moduleMockFiles = ["apps/api/src/development-secrets.test.ts"];

export const projects: TestProjectConfiguration[] = [
  "packages/*",
  "apps/*",
  { test: { name: "repository", include: ["test/**/*.test.ts"], isolate: false } },
  { test: { name: "module-mocks", include: moduleMockFiles, isolate: true } },
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
      isolate: false,
    },
  },
];
