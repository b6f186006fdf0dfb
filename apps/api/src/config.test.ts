import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { describeWeakSecret, environmentVariables, misspelledVariables, parseConfig } from "./config.ts";
import { parseDuration } from "./duration.ts";
import { longestTimerMs } from "./variables.ts";

const strongSecret = "k3Jd9sLq0ZxV7bNw2PmR5tYc8HfGaE1u";
const makeSecret = () => "generated-secret-generated-secret-0123456789";
/** What production requires, and nothing else. */
const productionSecrets = {
  NODE_ENV: "production",
  JWT_SECRET: "Xq7v9Lm2Rt4pZw8kHn3bYc6dFj5sGu1aEo0iWy2x",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
};

describe("configuration", () => {
  it("gives the contract's defaults when nothing is set", () => {
    const parsed = parseConfig({}, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const { config } = parsed;
    expect(config.port).toBe(3000);
    expect(config.databaseURL).toBe(`sqlite:${resolve("data/superoauth.db")}`);
    expect(config.database).toEqual({ kind: "sqlite", file: resolve("data/superoauth.db") });
    expect(config.accessTokenTtlSeconds).toBe(300);
    expect(config.idTokenTtlSeconds).toBe(3600);
    expect(config.refreshTokenTtlMs).toBe(7 * 24 * 3600 * 1000);
    expect(config.refreshReuseGraceMs).toBe(10_000);
    expect(config.sessionMaxAgeMs).toBe(30 * 24 * 3600 * 1000);
    expect(config.staffSessionMaxAgeMs).toBe(12 * 3600 * 1000);
    expect(config.maxSessionsPerUser).toBe(50);
    expect(config.rateLimit).toEqual({
      enabled: true,
      windowMs: 900_000,
      loginMax: 5,
      registerMax: 3,
      generalMax: 100,
      emailMax: 5,
      protocolMax: 1000,
      deviceCodeMax: 20,
      pagesMax: 600,
      redisKeyPrefix: "superoauth-rl:",
    });
    expect(config.trustProxy).toBe(false);
    expect(config.corsOrigins).toEqual([]);
    expect(config.migrateOnStart).toBe(true);
    expect(config.jwt.secretIsEphemeral).toBe(true);
    expect(parsed.warnings.join()).toContain("JWT_SECRET is not set");
  });

  it("reads every variable", () => {
    const parsed = parseConfig(
      {
        NODE_ENV: "production",
        PORT: "8080",
        JWT_SECRET: strongSecret,
        TOTP_ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ACCESS_TOKEN_TTL: "10m",
        REFRESH_TOKEN_TTL: "1d",
        REFRESH_REUSE_GRACE: "5s",
        MAX_SESSIONS_PER_USER: "3",
        RATE_LIMIT_ENABLED: "false",
        RATE_LIMIT_WINDOW: "1m",
        RATE_LIMIT_LOGIN_MAX: "7",
        RATE_LIMIT_REGISTER_MAX: "2",
        RATE_LIMIT_GENERAL_MAX: "50",
        TRUST_PROXY: "true",
        REDIS_URL: "redis://127.0.0.1:6379",
        MIGRATE_ON_START: "false",
        OIDC_ID_TOKEN_TTL: "2h",
      },
      makeSecret,
    );
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config).toMatchObject({
      environment: "production",
      port: 8080,
      accessTokenTtlSeconds: 600,
      idTokenTtlSeconds: 7200,
      refreshTokenTtlMs: 86_400_000,
      refreshReuseGraceMs: 5000,
      maxSessionsPerUser: 3,
      rateLimit: { enabled: false, windowMs: 60_000, loginMax: 7, registerMax: 2, generalMax: 50 },
      trustProxy: true,
      redisURL: "redis://127.0.0.1:6379",
      migrateOnStart: false,
      jwt: { secret: strongSecret, secretIsEphemeral: false },
    });
    expect(parsed.warnings.join()).toContain("RATE_LIMIT_ENABLED=false");
  });

  it("lists every invalid variable by name, without echoing the secret", () => {
    const parsed = parseConfig(
      { PORT: "eighty", RATE_LIMIT_WINDOW: "soon", TRUST_PROXY: "maybe" },
      makeSecret,
    );
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? "" : parsed.problems.join("\n");
    expect(problems).toContain("PORT");
    expect(problems).toContain("RATE_LIMIT_WINDOW");
    expect(problems).toContain("TRUST_PROXY");
  });

  it("reads CORS_ORIGINS as exact origins, and refuses a wildcard, a path, plain http off loopback", () => {
    const parsed = parseConfig(
      { CORS_ORIGINS: " https://app.example.com, http://localhost:5173,https://app.example.com" },
      makeSecret,
    );
    expect(parsed.ok && parsed.config.corsOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    const refusals: Record<string, string> = {
      "*": "`*` would let every website act",
      "https://app.example.com/": 'write scheme, host and port only, as "https://app.example.com"',
      "https://app.example.com/callback": "is not an origin",
      "HTTPS://App.example.com": "is not an origin",
      "http://app.example.com": "must be https (http only on localhost",
      "app.example.com": "is not an origin such as",
    };
    for (const [value, problem] of Object.entries(refusals)) {
      const refused = parseConfig({ CORS_ORIGINS: `https://ok.example,${value}` }, makeSecret);
      expect(refused.ok ? "" : refused.problems.join(), value).toContain("CORS_ORIGINS is invalid");
      expect(refused.ok ? "" : refused.problems.join(), value).toContain(problem);
    }
  });

  it("warns at start when APP_URL is https but no proxy is trusted to say so, and refuses it in production", () => {
    const untrusted = parseConfig({ APP_URL: "https://auth.example.com" }, makeSecret);
    expect(untrusted.ok && untrusted.warnings.join("\n")).toContain(
      "APP_URL is https but TRUST_PROXY is off",
    );
    expect(untrusted.ok && untrusted.warnings.join("\n")).toContain("(refused in production)");
    const production = { ...productionSecrets, APP_URL: "https://auth.example.com" };
    for (const off of [{}, { TRUST_PROXY: "false" }, { TRUST_PROXY: "0" }]) {
      const refused = parseConfig({ ...production, ...off }, makeSecret);
      expect(refused.ok ? [] : refused.problems).toEqual([
        "APP_URL is https but TRUST_PROXY is off: the proxy that terminates TLS must be trusted (TRUST_PROXY=<the proxy's address>, e.g. 127.0.0.1; a hop count such as 1 lets a client that reaches the service directly choose its own address), or every request comes from the proxy's address: all clients share one rate-limit budget and one lockout by network, and the logs name no client",
      ]);
    }
    expect(parseConfig({ ...production, TRUST_PROXY: "10.0.0.0/8" }, makeSecret).ok).toBe(true);
    expect(parseConfig({ ...production, APP_URL: "http://localhost:3000" }, makeSecret).ok).toBe(true);
    const trusted = parseConfig({ APP_URL: "https://auth.example.com", TRUST_PROXY: "1" }, makeSecret);
    expect(trusted.ok && trusted.warnings.join("\n")).not.toContain("TRUST_PROXY is off");
    const plain = parseConfig({ APP_URL: "http://localhost:3000" }, makeSecret);
    expect(plain.ok && plain.warnings.join("\n")).not.toContain("TRUST_PROXY is off");
  });

  it("warns in production when APP_URL is unset: the links would name localhost and this instance's PORT", () => {
    const production = { ...productionSecrets, PORT: "4100" };
    const unset = parseConfig(production, makeSecret);
    expect(unset.ok && unset.warnings.join("\n")).toContain(
      "APP_URL is not set in production: mailed links, provider callbacks and the OpenID issuer use http://localhost:4100;",
    );
    const set = parseConfig({ ...production, APP_URL: "http://auth.internal:4100" }, makeSecret);
    expect(set.ok && set.warnings.join("\n")).not.toContain("APP_URL is not set");
    expect((parseConfig({}, makeSecret) as { warnings?: string[] }).warnings?.join("\n")).not.toContain(
      "APP_URL is not set",
    );
  });

  it("refuses a rate-limit budget of 0, which refused every request it counts, saying how to turn limits off", () => {
    // The operator's walk: RATE_LIMIT_LOGIN_MAX=0 was "valid", and every sign-in answered 429.
    const budgets = [
      "RATE_LIMIT_LOGIN_MAX",
      "RATE_LIMIT_REGISTER_MAX",
      "RATE_LIMIT_GENERAL_MAX",
      "RATE_LIMIT_EMAIL_MAX",
      "RATE_LIMIT_PROTOCOL_MAX",
      "RATE_LIMIT_PAGES_MAX",
      "RATE_LIMIT_DEVICE_CODE_MAX",
    ];
    for (const name of budgets) {
      for (const text of ["0", "-1"]) {
        const parsed = parseConfig({ [name]: text }, makeSecret);
        expect(!parsed.ok && parsed.problems).toEqual([
          `${name} is invalid: must be at least 1: 0 would refuse every request it counts (RATE_LIMIT_ENABLED=false turns the limits off) (got "${text}")`,
        ]);
      }
      expect(parseConfig({ [name]: "1" }, makeSecret).ok).toBe(true);
    }
    // A negative number elsewhere is below the least, not "not a whole number".
    const port = parseConfig({ PORT: "-1" }, makeSecret);
    expect(!port.ok && port.problems).toEqual(['PORT is invalid: must be at least 0 (got "-1")']);
    const half = parseConfig({ RATE_LIMIT_LOGIN_MAX: "1.5" }, makeSecret);
    expect(!half.ok && half.problems).toEqual([
      'RATE_LIMIT_LOGIN_MAX is invalid: must be a whole number (got "1.5")',
    ]);
  });

  it("names a variable one or two letters off one of ours: a warning, or beside the problems it may explain", () => {
    // The operator's walk: DATABSE_URL in production was read by nobody, and the service ran on
    // SQLite with config:validate saying "valid"; JWT_SECRETS left only "JWT_SECRET is required".
    const production = { ...productionSecrets, APP_URL: "http://localhost:3000" };
    const typo = parseConfig({ ...production, DATABSE_URL: "mysql://app:pw@db:3306/app" }, makeSecret);
    expect(typo.ok && typo.warnings[0]).toBe(
      "DATABSE_URL is not a variable of this service and is ignored: did you mean DATABASE_URL?",
    );
    const { JWT_SECRET, ...withoutSecret } = production;
    const refused = parseConfig({ ...withoutSecret, JWT_SECRETS: JWT_SECRET }, makeSecret);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems).toEqual([
      expect.stringMatching(/^JWT_SECRET is required outside development/),
      "JWT_SECRETS is not a variable of this service and is ignored: did you mean JWT_SECRET?",
    ]);
    expect(
      misspelledVariables({
        RATE_LIMT_LOGIN_MAX: "50",
        PORTS: "3000",
        LOCKOUT_TRESHOLD: "3",
        CORS_ORIGIN: "x",
      }),
    ).toEqual([
      "RATE_LIMT_LOGIN_MAX is not a variable of this service and is ignored: did you mean RATE_LIMIT_LOGIN_MAX?",
      "PORTS is not a variable of this service and is ignored: did you mean PORT?",
      "LOCKOUT_TRESHOLD is not a variable of this service and is ignored: did you mean LOCKOUT_THRESHOLD?",
      "CORS_ORIGIN is not a variable of this service and is ignored: did you mean CORS_ORIGINS?",
    ]);
    // Other programs' names, and ours spelled right, are no one's business here (HOME is two
    // letters from HOST, too short a name to guess at; the test suite's own REDIS_TEST_URL, ...).
    const others = [
      "HOME",
      "HOSTNAME",
      "PATH",
      "MAIL",
      "LOGNAME",
      "NODE_OPTIONS",
      "NODE_EXTRA_CA_CERTS",
      "REDIS_PORT",
      "REDIS_HOST",
      "REDIS_TEST_URL",
      "MYSQL_URL",
      "MYSQL_PASSWORD",
      "KUBERNETES_SERVICE_PORT",
      "GITHUB_TOKEN",
      "MALLOC_ARENA_MAX",
      "npm_config_port",
    ];
    expect(
      misspelledVariables({ ...Object.fromEntries(others.map((name) => [name, "x"])), ...production }),
    ).toEqual([]);
  });

  it("warns in production when APP_URL is http off this machine: cookies without Secure, an http issuer", () => {
    // The operator's walk (docs/reliability.md): production with an http APP_URL started silently,
    // and the doctor's proxy line called it "for local development".
    const production = productionSecrets;
    const httpWarnings = (env: Record<string, string>) => {
      const parsed = parseConfig(env, makeSecret);
      return parsed.ok
        ? parsed.warnings.filter((warning) => warning.startsWith("APP_URL is http"))
        : ["refused"];
    };
    expect(httpWarnings({ ...production, APP_URL: "http://auth.example.com/" })).toEqual([
      'APP_URL is http in production (http://auth.example.com): the sign-in cookies are sent without Secure, and mailed links and the OpenID issuer say http://; serve it through a proxy that terminates TLS and set APP_URL to its https:// address (docs/operations.md, "TLS termination and TRUST_PROXY")',
    ]);
    // This machine's own address (a trial, infra/.env.example's), https, and development: nothing.
    expect(httpWarnings({ ...production, APP_URL: "http://localhost:3000" })).toEqual([]);
    expect(httpWarnings({ ...production, APP_URL: "http://127.0.0.1:3000" })).toEqual([]);
    expect(
      httpWarnings({ ...production, APP_URL: "https://auth.example.com", TRUST_PROXY: "127.0.0.1" }),
    ).toEqual([]);
    expect(httpWarnings({ APP_URL: "http://auth.example.com" })).toEqual([]);
  });

  it("warns when DEBUG reaches the libraries' own debug output (unredacted, on stderr), not for the service's areas", () => {
    const debugWarnings = (debug: string) => {
      const parsed = parseConfig({ DEBUG: debug }, makeSecret);
      return parsed.ok ? parsed.warnings.filter((warning) => warning.startsWith("DEBUG=")) : ["refused"];
    };
    expect(debugWarnings("*")).toEqual([
      "DEBUG=* also turns on the libraries' own debug output (*), written to stderr without this service's redaction (ioredis prints Redis commands with their arguments, REDIS_URL's password among them): name superoauth:* or its areas instead",
    ]);
    expect(debugWarnings("superoauth:db, ioredis:*,-oidc-provider:*")).toEqual([
      expect.stringContaining("(ioredis:*)"),
    ]);
    expect(debugWarnings("superoauth:*")).toEqual([]);
    expect(debugWarnings("superoauth:oauth,superoauth:db,-superoauth:mail")).toEqual([]);
  });

  it("warns of a DEBUG entry that names no area of the service (a guess such as superoauth:sql turns nothing on)", () => {
    const parsed = parseConfig({ DEBUG: "superoauth:sql,superoauth:db,-superoauth:oidc" }, makeSecret);
    expect(parsed.ok && parsed.warnings.filter((warning) => warning.startsWith("DEBUG="))).toEqual([
      "DEBUG=superoauth:sql,superoauth:db,-superoauth:oidc names no area of this service in superoauth:sql, -superoauth:oidc, which turns nothing on: the areas are superoauth:http, superoauth:db, superoauth:oauth, superoauth:mail (or superoauth:* for all)",
    ]);
  });

  it("refuses a HOST that is neither an IP address nor a host name (999.1.1.1), naming it", () => {
    for (const host of ["999.1.1.1", "127.0.0", "::zz", "my host", "-dash.example"]) {
      const parsed = parseConfig({ HOST: host }, makeSecret);
      expect(parsed.ok ? [] : parsed.problems, host).toEqual([
        expect.stringMatching(/^HOST .*must be an IP address of this machine .* or a host name/),
      ]);
    }
    for (const host of ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "api.internal", "host-1"]) {
      expect(parseConfig({ HOST: host }, makeSecret).ok, host).toBe(true);
    }
  });

  it("refuses a session cap below one", () => {
    const parsed = parseConfig({ MAX_SESSIONS_PER_USER: "0" }, makeSecret);
    expect(parsed.ok ? "" : parsed.problems.join()).toContain("MAX_SESSIONS_PER_USER is invalid");
    expect(parseConfig({ MAX_SESSIONS_PER_USER: "1" }, makeSecret).ok).toBe(true);
  });

  it("requires a strong JWT_SECRET in production", () => {
    expect(parseConfig({ NODE_ENV: "production" }, makeSecret)).toMatchObject({ ok: false });
    expect(parseConfig({ NODE_ENV: "test" }, makeSecret)).toMatchObject({ ok: false });
    const weak = parseConfig({ NODE_ENV: "production", JWT_SECRET: "a".repeat(40) }, makeSecret);
    expect(weak.ok).toBe(false);
    expect(weak.ok ? "" : weak.problems.join()).not.toContain("a".repeat(40));
    expect(parseConfig({ NODE_ENV: "development", JWT_SECRET: "too-short" }, makeSecret)).toMatchObject({
      ok: false,
    });
  });

  it("judges secrets", () => {
    expect(describeWeakSecret("short")).toMatch(/32 bytes/);
    expect(describeWeakSecret("changeme".repeat(5))).toMatch(/placeholder/);
    expect(describeWeakSecret("ab".repeat(20))).toMatch(/distinct/);
    expect(describeWeakSecret(strongSecret)).toBeNull();
  });

  it("reports every problem at once: a short JWT_SECRET beside a bad PORT and DATABASE_URL", () => {
    const parsed = parseConfig(
      {
        PORT: "70000",
        DATABASE_URL: "postgres://db/superoauth",
        JWT_SECRET: "hunter2-too-short",
        LOCKOUT_THRESHOLD: "0",
        GITHUB_CLIENT_ID: "id-without-secret",
      },
      makeSecret,
    );
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'PORT is invalid: must be at most 65535 (got "70000")',
      'DATABASE_URL is invalid: must be one of sqlite:<path>, sqlite::memory: or mysql://user:password@host:3306/database (got "postgres://db/superoauth")',
      "JWT_SECRET is invalid: must be at least 32 bytes (e.g. `openssl rand -base64 48`)",
      'LOCKOUT_THRESHOLD is invalid: must be at least 1 (got "0")',
      "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together to enable github",
    ]);
  });

  it("calls an invalid secret invalid once, not missing as well, in production", () => {
    const parsed = parseConfig(
      { NODE_ENV: "production", JWT_SECRET: "short", TOTP_ENCRYPTION_KEY: "not-a-key" },
      makeSecret,
    );

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      "JWT_SECRET is invalid: must be at least 32 bytes (e.g. `openssl rand -base64 48`)",
      "TOTP_ENCRYPTION_KEY is invalid: must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)",
    ]);
  });

  it("reads every variable's default from the one table: each literal default parses, unset gives it", () => {
    const parsed = parseConfig({}, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const literal = Object.entries(environmentVariables).filter(([, v]) => v.literalDefault);
    expect(literal.length).toBeGreaterThan(30);
    for (const [name, variable] of literal) {
      expect([name, variable.read(undefined)]).toEqual([name, variable.read(variable.default)]);
      expect([name, "value" in variable.read(undefined)]).toEqual([name, true]);
    }
  });

  it("points mailed links at this server's own port when APP_URL is not set", () => {
    const parsed = parseConfig({ PORT: "8080" }, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.mail.appURL).toBe("http://localhost:8080");
    const set = parseConfig({ PORT: "8080", APP_URL: "https://auth.example.com/" }, makeSecret);
    expect(set.ok && set.config.mail.appURL).toBe("https://auth.example.com");
  });

  it("refuses an APP_URL or OIDC_ISSUER with a path: the pages, API and endpoints live at the host's root", () => {
    const prefixed = parseConfig(
      { APP_URL: "https://example.com/auth", OIDC_ISSUER: "https://example.com/auth/?x=1", TRUST_PROXY: "1" },
      makeSecret,
    );
    expect(prefixed.ok).toBe(false);
    const problems = prefixed.ok ? [] : prefixed.problems;
    expect(problems).toContain(
      'APP_URL is invalid: must be an origin with no path, query or fragment: SuperOAuth serves its pages, API and OpenID endpoints at the root of its own host name, so give it one (https://auth.example.com) rather than a path prefix at the proxy (docs/operations.md) (got "https://example.com/auth")',
    );
    expect(
      problems.some(
        (problem) =>
          problem.startsWith("OIDC_ISSUER is invalid: must be an origin with no path") &&
          problem.endsWith('(got "https://example.com/auth/?x=1")'),
      ),
    ).toBe(true);
    for (const fine of ["https://auth.example.com", "https://auth.example.com/", "http://localhost:3000"]) {
      expect([
        fine,
        parseConfig({ APP_URL: fine, OIDC_ISSUER: fine, TRUST_PROXY: "1" }, makeSecret).ok,
      ]).toEqual([fine, true]);
    }
  });

  it("reads the database timeouts (5 s each by default) and refuses ones too short to connect", () => {
    const defaults = parseConfig({}, makeSecret);
    expect(
      defaults.ok && [defaults.config.databaseConnectTimeoutMs, defaults.config.databaseQueryTimeoutMs],
    ).toEqual([5000, 5000]);
    const set = parseConfig({ DATABASE_CONNECT_TIMEOUT: "2s", DATABASE_QUERY_TIMEOUT: "1500ms" }, makeSecret);
    expect(set.ok && [set.config.databaseConnectTimeoutMs, set.config.databaseQueryTimeoutMs]).toEqual([
      2000, 1500,
    ]);
    const nonsense = parseConfig(
      { DATABASE_CONNECT_TIMEOUT: "0", DATABASE_QUERY_TIMEOUT: "soon" },
      makeSecret,
    );
    const problems = nonsense.ok ? "" : nonsense.problems.join("\n");
    expect(problems).toContain("DATABASE_QUERY_TIMEOUT is invalid");
    const zero = parseConfig({ DATABASE_CONNECT_TIMEOUT: "0" }, makeSecret);
    expect(zero.ok ? "" : zero.problems.join()).toContain(
      "DATABASE_CONNECT_TIMEOUT is invalid: must be at least 100ms",
    );
  });

  it("refuses timeouts a Node timer cannot hold (over 24.8 days: the timer would fire at once)", () => {
    const long = parseConfig(
      { DATABASE_CONNECT_TIMEOUT: "25d", DATABASE_QUERY_TIMEOUT: "30d", OAUTH_HTTP_TIMEOUT: "30d" },
      makeSecret,
    );
    const problems = long.ok ? "" : long.problems.join("\n");
    expect(problems).toContain("DATABASE_CONNECT_TIMEOUT is invalid: must be at most 24d");
    expect(problems).toContain("DATABASE_QUERY_TIMEOUT is invalid: must be at most 24d");
    expect(problems).toContain("OAUTH_HTTP_TIMEOUT is invalid: must be at most 24d");
    const longest = parseConfig({ DATABASE_QUERY_TIMEOUT: "24d", OAUTH_HTTP_TIMEOUT: "24d" }, makeSecret);
    expect(longest.ok && longest.config.databaseQueryTimeoutMs).toBe(24 * 86_400_000);
    expect(24 * 86_400_000).toBeLessThanOrEqual(longestTimerMs);
  });

  it("parses durations", () => {
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("30")).toBe(30_000);
    expect(parseDuration("1 week")).toBeNull();
  });
});

describe("STAFF_SESSION_MAX_AGE", () => {
  it("is read as a duration and never outlasts SESSION_MAX_AGE", () => {
    const read = (env: Record<string, string>) => {
      const parsed = parseConfig(env, makeSecret);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      return parsed.config.staffSessionMaxAgeMs;
    };
    expect(read({ STAFF_SESSION_MAX_AGE: "2h" })).toBe(2 * 3600 * 1000);
    expect(read({ SESSION_MAX_AGE: "1h" })).toBe(3600 * 1000);
    const refused = parseConfig({ STAFF_SESSION_MAX_AGE: "soon" }, makeSecret);
    expect(refused.ok ? "" : refused.problems.join("\n")).toContain("STAFF_SESSION_MAX_AGE is invalid");
  });
});

describe("REDIS_URL and SMTP_URL", () => {
  it("starts the rate-limit keys with REDIS_KEY_PREFIX (superoauth-rl: when unset or empty), and refuses a prefix Redis users could not tell apart", () => {
    const read = (prefix?: string) =>
      parseConfig(prefix === undefined ? {} : { REDIS_KEY_PREFIX: prefix }, makeSecret);
    for (const unset of [read(), read("")])
      expect(unset.ok && unset.config.rateLimit.redisKeyPrefix).toBe("superoauth-rl:");
    const staging = read("staging.superoauth-rl:");
    expect(staging.ok && staging.config.rateLimit.redisKeyPrefix).toBe("staging.superoauth-rl:");
    for (const bad of ["has space:", "x".repeat(65), "star*:"]) {
      const refused = read(bad);
      expect(refused.ok ? "" : refused.problems.join("\n"), JSON.stringify(bad)).toContain(
        "REDIS_KEY_PREFIX is invalid: must be 1 to 64 letters, digits or _ . : -",
      );
    }
  });

  it("refuses REDIS_URL with a per-cent sign that starts no escape in its password, in one line (ioredis threw a URIError at the start); SMTP_URL keeps it, as nodemailer does", () => {
    const redis = parseConfig({ REDIS_URL: "redis://:50%off@cache:6379" }, makeSecret);
    const problems = redis.ok ? "" : redis.problems.join("\n");
    expect(problems).toContain(
      "REDIS_URL is invalid: holds a % that starts no escape: in the user or password, write",
    );
    expect(problems).toContain('(got "redis://:***@cache:6379")');
    expect(problems).not.toContain("off@");

    const smtp = parseConfig({ SMTP_URL: "smtp://mailer:50%off@mail:587" }, makeSecret);
    expect(smtp.ok && smtp.config.mail.smtpURL).toBe("smtp://mailer:50%off@mail:587");
  });
});
