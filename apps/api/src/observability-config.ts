import { debugAreas, debugAreasOf } from "./logger.ts";
import { flag, integer, optional, text, type ValuesOf, withDefault } from "./variables.ts";

/** Metrics, debug logging and the status page's notice. */
export interface ObservabilityConfig {
  /** Record and serve Prometheus metrics (METRICS_ENABLED). */
  readonly metricsEnabled: boolean;
  /** A listener of its own for /metrics; undefined serves it on PORT. */
  readonly metricsPort: number | undefined;
  /** The DEBUG namespaces, as given (`superoauth:*`, `superoauth:oauth,superoauth:db`). */
  readonly debug: string | undefined;
  /** Shown on /status and in /status.json while set (MAINTENANCE_NOTICE). */
  readonly maintenanceNotice: string | undefined;
}

/** The variables of metrics, debugging and the status page: default, meaning and parser of each, written once. */
export const observabilityVariables = {
  METRICS_ENABLED: withDefault({
    default: "true",
    meaning:
      "Record Prometheus metrics and serve them at `GET /metrics`; `false` turns both off (`/metrics` answers 404)",
    parse: flag,
  }),
  METRICS_PORT: optional({
    unset: "served on `PORT`, to private networks only",
    meaning:
      "Serve `/metrics` on this port instead (on `HOST`), e.g. one only the scraper reaches (docs/operations.md)",
    parse: integer({ min: 1, max: 65_535 }),
  }),
  DEBUG: optional({
    unset: "no debug logs",
    meaning:
      "Debug logs of these areas, comma-separated: `superoauth:*` or `superoauth:oauth`, `superoauth:db`, `superoauth:http`, `superoauth:mail` (`-name` excludes); secrets stay redacted. Other namespaces (`*`) also turn on the libraries' own, unredacted debug output: warned at start",
    parse: text({
      pattern: /^[\w:*,\s-]{1,200}$/,
      expected: "namespaces such as superoauth:* or superoauth:db",
    }),
  }),
  MAINTENANCE_NOTICE: optional({
    unset: "none",
    meaning: "A notice shown on the public `/status` page and in `/status.json` (planned maintenance)",
    parse: text({ pattern: /^[^\n\r]{1,500}$/, expected: "one line of at most 500 characters" }),
  }),
};

/** The observability part of the configuration, from the variables already read. */
export function parseObservabilityConfig(e: ValuesOf<typeof observabilityVariables> & { PORT: number }): {
  config: ObservabilityConfig;
  problems: string[];
  warnings: string[];
} {
  // The `debug` library in our dependencies reads the same variable: an entry that can name their
  // namespaces turns on their output, written to stderr outside our logger and its redaction
  // (ioredis prints each Redis command with its arguments, REDIS_URL's password among them).
  const entries = (e.DEBUG ?? "").split(/[\s,]+/).filter((entry) => entry !== "");
  const reachingLibraries = entries.filter(
    (entry) => !entry.startsWith("-") && !entry.startsWith("superoauth:"),
  );
  // A guess at an area's name (superoauth:sql, superoauth:oidc) turns nothing on, silently.
  const namingNoArea = entries.filter(
    (entry) =>
      entry.replace(/^-/, "").startsWith("superoauth:") && debugAreasOf(entry.replace(/^-/, "")).size === 0,
  );
  const warnings = [
    ...(reachingLibraries.length === 0
      ? []
      : [
          `DEBUG=${e.DEBUG} also turns on the libraries' own debug output (${reachingLibraries.join(", ")}), written to stderr without this service's redaction (ioredis prints Redis commands with their arguments, REDIS_URL's password among them): name superoauth:* or its areas instead`,
        ]),
    ...(namingNoArea.length === 0
      ? []
      : [
          `DEBUG=${e.DEBUG} names no area of this service in ${namingNoArea.join(", ")}, which turns nothing on: the areas are ${debugAreas.map((area) => `superoauth:${area}`).join(", ")} (or superoauth:* for all)`,
        ]),
  ];
  const problems =
    e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT
      ? ["METRICS_PORT must differ from PORT (leave it unset to serve /metrics on PORT)"]
      : [];
  return {
    problems,
    warnings,
    config: {
      metricsEnabled: e.METRICS_ENABLED,
      metricsPort: e.METRICS_PORT,
      debug: e.DEBUG,
      maintenanceNotice: e.MAINTENANCE_NOTICE,
    },
  };
}
