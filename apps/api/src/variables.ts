import { isIP } from "node:net";
import { parseDuration } from "./duration.ts";
import { redactSetting } from "./redact.ts";

/** A value read from the environment, or why the text cannot be one. */
export type Reading<T> = { readonly value: T } | { readonly problem: string };

/**
 * One environment variable: its default, what it is for, and how its text is read. The
 * default is written here once: `read` parses it when the variable is unset, and the help
 * (`pnpm config:validate`), `.env.example` and the README's table all print it.
 */
export interface Variable<T> {
  /** Shown as the default; for a literal default, also the text parsed when the variable is unset. */
  readonly default: string;
  /** True when `default` is a literal value, false when it describes what happens when unset. */
  readonly literalDefault: boolean;
  readonly meaning: string;
  /** A credential: never echoed, only reported as set. */
  readonly secret: boolean;
  read(text: string | undefined): Reading<T>;
}

/** A variable with a literal default, parsed like any value. */
export function withDefault<T>(spec: {
  default: string;
  meaning: string;
  parse: (text: string) => Reading<T>;
}): Variable<T> {
  return {
    default: spec.default,
    literalDefault: true,
    meaning: spec.meaning,
    secret: false,
    read: (text) => spec.parse(text ?? spec.default),
  };
}

/** A variable that may stay unset; `unset` says what happens then (`random per process`, `(APP_URL)/...`). */
export function optional<T>(spec: {
  unset: string;
  meaning: string;
  parse: (text: string) => Reading<T>;
  secret?: boolean;
}): Variable<T | undefined> {
  return {
    default: spec.unset,
    literalDefault: false,
    meaning: spec.meaning,
    secret: spec.secret ?? false,
    read: (text) => (text === undefined ? { value: undefined } : spec.parse(text)),
  };
}

/**
 * A whole number from `min` to `max`; `belowMin` adds why to the problem of one below `min`. A
 * negative number is below `min` (said so), not "not a whole number".
 */
export function integer(
  bounds: { min?: number; max?: number; belowMin?: string } = {},
): (text: string) => Reading<number> {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  return (text) => {
    if (!/^\s*-?\d+\s*$/.test(text)) return { problem: "must be a whole number" };
    const value = Number(text);
    if (value < min)
      return {
        problem: `must be at least ${min}${bounds.belowMin === undefined ? "" : `: ${bounds.belowMin}`}`,
      };
    if (value > max) return { problem: `must be at most ${max}` };
    return { value };
  };
}

/**
 * The longest wait a Node timer can hold (2^31 - 1 ms, about 24.8 days): a longer `setTimeout`
 * fires after 1 ms instead, with only a TimeoutOverflowWarning on stderr.
 */
export const longestTimerMs = 2 ** 31 - 1;

/**
 * A duration ("500ms", "10s", "15m", "2h", "7d", bare seconds) of at least `min` and, when `max`
 * is given, at most `max`, in milliseconds.
 */
export function duration(min: string, max?: string): (text: string) => Reading<number> {
  const minMs = parseDuration(min) ?? 0;
  const maxMs =
    max === undefined ? Number.POSITIVE_INFINITY : (parseDuration(max) ?? Number.POSITIVE_INFINITY);
  return (text) => {
    const value = parseDuration(text);
    if (value === null) return { problem: "must be a duration such as 500ms, 10s, 15m, 2h or 7d" };
    if (value < minMs) return { problem: `must be at least ${min}` };
    if (value > maxMs) return { problem: `must be at most ${max}` };
    return { value };
  };
}

/**
 * A duration a timer waits out (a timeout): at least `min`, and at most 24 days, under the longest
 * wait a Node timer holds (longestTimerMs); past that the timer would fire at once.
 */
export function timerDuration(min: string): (text: string) => Reading<number> {
  return duration(min, "24d");
}

/** true/false, 1/0, yes/no. */
export function flag(text: string): Reading<boolean> {
  const setting = text.trim().toLowerCase();
  if (["true", "1", "yes"].includes(setting)) return { value: true };
  if (["false", "0", "no"].includes(setting)) return { value: false };
  return { problem: "must be true or false" };
}

/** One of the given words. */
export function oneOf<const T extends string>(choices: readonly T[]): (text: string) => Reading<T> {
  return (text) =>
    (choices as readonly string[]).includes(text)
      ? { value: text as T }
      : { problem: `must be one of ${choices.join(", ")}` };
}

/** Free text checked by `pattern`, described to the user by `expected`. */
export function text(check: { pattern: RegExp; expected: string }): (text: string) => Reading<string> {
  return (value) => (check.pattern.test(value) ? { value } : { problem: `must be ${check.expected}` });
}

/**
 * The interface to listen on: an IP address, or a host name the resolver turns into one. Digits and
 * dots (or colons) that make no address are refused here, so `999.1.1.1` is a configuration
 * problem `pnpm config:validate` reports, not a start that spends seconds resolving it as a name.
 */
export function listenHost(value: string): Reading<string> {
  const looksLikeAddress = /^[\d.]+$/.test(value) || value.includes(":");
  const hostName = /^(?=.{1,253}$)[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/i;
  return (looksLikeAddress ? isIP(value) !== 0 : hostName.test(value))
    ? { value }
    : {
        problem:
          "must be an IP address of this machine (127.0.0.1, or 0.0.0.0 in a container) or a host name",
      };
}

/** How a URL's user and password hold the characters URLs reserve (DATABASE_URL, REDIS_URL). */
export const percentEncodingAdvice = "in the user or password, write / ? # @ : % as %2F %3F %23 %40 %3A %25";

/** An absolute URL with one of the schemes. */
export function url(
  schemes: readonly string[],
  options: {
    /**
     * The client decodes the user and password and throws at a "%" that starts no escape (ioredis,
     * at the start, as a stack instead of this line); nodemailer keeps such a password as written.
     */
    readonly decodesCredentials?: boolean;
  } = {},
): (text: string) => Reading<string> {
  return (value) => {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\/\S+$/i.exec(value)?.[1]?.toLowerCase();
    if (scheme === undefined || !schemes.includes(scheme))
      return { problem: `must be a ${schemes.map((s) => `${s}://`).join(" or ")} URL` };
    return options.decodesCredentials !== true || credentialsDecode(value)
      ? { value }
      : {
          problem: `holds a % that starts no escape: ${percentEncodingAdvice}`,
        };
  };
}

/** Whether a URL's user and password decode (true when it does not parse: the client's own reading then decides). */
function credentialsDecode(value: string): boolean {
  const parsed = URL.parse(value);
  if (parsed === null) return true;
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
    return true;
  } catch {
    return false;
  }
}

/**
 * The address the service is reached at (APP_URL, OIDC_ISSUER): an http(s) URL with no path, query
 * or fragment (a trailing `/` is fine). The hosted pages, the API and the OpenID endpoints live at
 * the root of the host, and their links, form actions, redirects, asset URLs and the discovery
 * document's endpoints are written from it; under a path prefix (a proxy forwarding
 * `https://example.com/auth/` to the service) each of them missed the prefix while the start and
 * `pnpm run doctor` said all was well.
 */
export function siteURL(value: string): Reading<string> {
  const read = url(["http", "https"])(value);
  if (!("value" in read)) return read;
  const parsed = URL.parse(value);
  if (parsed === null) return { problem: "must be a http:// or https:// URL" };
  return parsed.pathname === "/" && parsed.search === "" && parsed.hash === ""
    ? read
    : {
        problem:
          "must be an origin with no path, query or fragment: SuperOAuth serves its pages, API and OpenID endpoints at the root of its own host name, so give it one (https://auth.example.com) rather than a path prefix at the proxy (docs/operations.md)",
      };
}

/** Hosts a plain-http origin may name: the loopback interface only (as for apps' redirect URIs). */
const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A comma-separated list of web origins (`https://app.example.com`, `http://localhost:5173`):
 * scheme, host and port only, as a browser sends them in `Origin`; https, or http on loopback
 * (an origin on plain http elsewhere can be impersonated on the network). Empty: none.
 */
export function origins(text: string): Reading<readonly string[]> {
  const listed = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const entry of listed) {
    if (entry === "*")
      return { problem: "must list origins; `*` would let every website act for a signed-in user" };
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      return { problem: `${JSON.stringify(entry)} is not an origin such as https://app.example.com` };
    }
    if (parsed.origin !== entry) {
      return {
        problem: `${JSON.stringify(entry)} is not an origin: write scheme, host and port only, as ${JSON.stringify(parsed.origin)}`,
      };
    }
    if (
      parsed.protocol !== "https:" &&
      !(parsed.protocol === "http:" && loopbackHosts.has(parsed.hostname))
    ) {
      return {
        problem: `${JSON.stringify(entry)} must be https (http only on localhost, 127.0.0.1 or [::1])`,
      };
    }
  }
  return { value: [...new Set(listed)] };
}

/** A credential of at least `minBytes` bytes; never echoed. */
export function secret(spec: {
  unset: string;
  meaning: string;
  minBytes: number;
}): Variable<string | undefined> {
  return optional({
    unset: spec.unset,
    meaning: spec.meaning,
    secret: true,
    parse: (value) =>
      Buffer.byteLength(value) >= spec.minBytes
        ? { value }
        : { problem: `must be at least ${spec.minBytes} bytes (e.g. \`openssl rand -base64 48\`)` },
  });
}

export type VariableTable = Readonly<Record<string, Variable<unknown>>>;
export type ValuesOf<V extends VariableTable> = {
  -readonly [K in keyof V]: V[K] extends Variable<infer T> ? T : never;
};

/**
 * Reads every variable of `table` from `env` (an empty string counts as unset) and lists every
 * problem at once. An invalid variable takes its default, so later checks still run and report theirs;
 * `invalid` names them, so a later check does not call an invalid secret missing as well.
 */
export function readVariables<V extends VariableTable>(
  table: V,
  env: Readonly<Record<string, string | undefined>>,
): { values: ValuesOf<V>; problems: string[]; invalid: Set<string> } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const invalid = new Set<string>();
  for (const [name, variable] of Object.entries(table)) {
    const given = env[name] === "" ? undefined : env[name];
    const reading = variable.read(given);
    if ("value" in reading) {
      values[name] = reading.value;
      continue;
    }
    // Never echo a credential: secrets are not shown at all, URLs lose their password.
    const shown = variable.secret || given === undefined ? "" : ` (got "${redactSetting(name, given)}")`;
    problems.push(`${name} is invalid: ${reading.problem}${shown}`);
    invalid.add(name);
    const fallback = variable.read(undefined);
    values[name] = "value" in fallback ? fallback.value : undefined;
  }
  return { values: values as ValuesOf<V>, problems, invalid };
}
