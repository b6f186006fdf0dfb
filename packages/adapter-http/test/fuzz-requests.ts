import fc from "fast-check";

// What the fuzz tests (fuzz-routes.ts) send: for each route a generator of requests that mix
// plausible values (live tokens of a fresh account, real codes) with malformed ones (wrong types,
// unicode and NUL bytes, huge and deeply nested JSON, odd content types, odd headers, broken
// percent-encoding), so the fuzzer reaches the use cases and not only the schema validator.

/**
 * Values a generator cannot know in advance; the test replaces each (wherever it appears as a whole
 * string) with the live value of a fresh account made for that case.
 */
export const markers = [
  "$$email",
  "$$password",
  "$$accessToken",
  "$$refreshToken",
  "$$sessionId",
  "$$mfaToken",
  "$$totpCode",
  "$$backupCode",
  "$$resetToken",
  "$$verificationToken",
] as const;
export type Marker = (typeof markers)[number];

/** How one route is fuzzed. Every route the app serves needs one (the test fails otherwise). */
export interface RouteFuzz {
  /**
   * The JSON body's fields with their plausible values (or several such shapes, when the route
   * takes one of them); absent when the route reads no body.
   */
  readonly body?: Fields | readonly Fields[];
  /** Query parameters the route reads, with plausible values. */
  readonly query?: Readonly<Record<string, fc.Arbitrary<string>>>;
  /** Path parameters (`:name` in the route) with plausible values, already percent-encoded. */
  readonly params?: Readonly<Record<string, fc.Arbitrary<string>>>;
  /** A page or asset: a success is not JSON. */
  readonly page?: true;
}

type Fields = Readonly<Record<string, fc.Arbitrary<unknown>>>;

export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | Buffer | undefined;
}

// --- values ---------------------------------------------------------------------------------

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.string().map((s) => `${s}\u0000${s}`),
  fc.constantFrom("", " ", "\u0000", "null", "true", "0", "-1", "1e309", "../../etc/passwd", "<script>"),
  fc.constantFrom("\u202e", "\ud800", "\udfff", "\uFEFF", "é", "e\u0301", "ﬀ", "𝔘𝔫𝔦"),
);

/** Strings at and beyond every bound the schemas set (64 KiB bodies, 1 KiB passwords). */
const hugeText = fc
  .constantFrom(33, 65, 257, 513, 1025, 2049, 20_000, 70_000)
  .chain((length) => fc.constantFrom("a", "é", "\u0000", "😀").map((c) => c.repeat(length)));

const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * A field's value: mostly plausible (so that most requests pass validation and reach the use
 * case), otherwise any text, a huge string or a wrong type.
 */
function field(...plausible: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 16, arbitrary: fc.oneof(...plausible) },
    { weight: 2, arbitrary: anyText },
    { weight: 1, arbitrary: hugeText },
    { weight: 1, arbitrary: wrongType },
  );
}

const marker = (...names: Marker[]) => fc.constantFrom(...names);
const email = field(marker("$$email"), fc.emailAddress(), fc.constantFrom("ADA@EXAMPLE.COM", "a@b", "@"));
const password = field(marker("$$password"), fc.constantFrom("Sup3r-secret!", "short", "P@ssw0rd"));
const sixDigits = fc.stringMatching(/^[0-9]{6}$/);
const totpCode = field(marker("$$totpCode"), sixDigits, fc.constantFrom("123 456", "1234567"));
const backupCode = field(marker("$$backupCode"), fc.stringMatching(/^[a-z0-9]{4,5}-[a-z0-9]{4,5}$/));
const token = (...names: Marker[]) =>
  field(
    ...(names.length === 0 ? [] : [marker(...names)]),
    fc.base64String(),
    fc.stringMatching(/^[A-Za-z0-9_-]{10,80}(\.[A-Za-z0-9_-]{5,80})?$/),
  );

/** A path segment, percent-encoded the way a client would (or deliberately broken). */
function segment(...plausible: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...plausible) },
    { weight: 2, arbitrary: anyText.filter((s) => s !== "").map(encodeSafely) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "%",
        "%zz",
        "%E0%A4%A",
        "%00",
        "%2e%2e",
        "..",
        "__proto__",
        "constructor",
        "x".repeat(101),
      ),
    },
  );
}

/** encodeURIComponent, except for lone surrogates (which it refuses): those go in raw. */
function encodeSafely(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

// --- the routes -------------------------------------------------------------------------------

const redirectURIs = field(
  fc.array(
    fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.constantFrom(
        "https://app.example/cb",
        "http://127.0.0.1:8080/cb",
        "http://app.example/cb",
        "app://cb",
      ),
    ),
    { maxLength: 12 },
  ),
);
const appScopeList = field(
  fc.subarray(["openid", "profile", "email", "offline_access", "user:read", "admin", "OPENID"]),
);
const appURL = field(
  fc.webUrl(),
  fc.constant(null),
  fc.constantFrom("http://localhost:3000", "javascript:alert(1)"),
);
const appFields = {
  name: field(fc.string({ maxLength: 120 })),
  logoURL: appURL,
  homepageURL: appURL,
  redirectURIs,
  postLogoutRedirectURIs: redirectURIs,
  allowedScopes: appScopeList,
  type: field(fc.constantFrom("confidential", "public", "native")),
  tokenEndpointAuthMethod: field(
    fc.constantFrom("client_secret_basic", "client_secret_post", "none", "private_key_jwt"),
  ),
};
const clientId = segment("unknown-client-id-0123456789abcd", "client");

const providerNames = ["github", "google", "discord", "twitch", "GitHub", "facebook"];
const provider = segment(...providerNames);
const page: RouteFuzz = { page: true };
const userId = segment("00000000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-00000000abcd");

/** One entry per route (`METHOD /path` as Fastify prints it); HEAD routes use their GET's entry. */
export const routeFuzz: Readonly<Record<string, RouteFuzz>> = {
  "GET /health": {},
  "GET /ready": {},
  "GET /metrics": page,
  "GET /status": page,
  "GET /status.json": {},
  "GET /oauth/complete": { ...page, query: { code: anyText, linked: anyText, reauthenticated: anyText } },
  "POST /oauth/complete": { body: { code: token() } },
  "GET /oauth/start/:provider": { params: { provider } },
  "GET /assets/account.js": page,
  "GET /assets/account.css": page,
  "POST /api/v1/auth/register": {
    body: { email, password, nickname: field(fc.stringMatching(/^[a-z_]{3,20}$/)) },
  },
  "POST /api/v1/auth/login": { body: { email, password } },
  "POST /api/v1/auth/refresh": { body: { refreshToken: token("$$refreshToken", "$$accessToken") } },
  "POST /api/v1/auth/logout": { body: { refreshToken: token("$$refreshToken") } },
  "POST /api/v1/auth/logout-all": {},
  "GET /api/v1/auth/me": {},
  "POST /api/v1/auth/verify-email": { body: { token: token("$$verificationToken", "$$resetToken") } },
  "POST /api/v1/auth/resend-verification": { body: { email } },
  "POST /api/v1/auth/forgot-password": { body: { email } },
  "POST /api/v1/auth/reset-password": {
    body: { token: token("$$resetToken", "$$verificationToken"), newPassword: password },
  },
  "GET /api/v1/auth/sessions": {},
  "DELETE /api/v1/auth/sessions/:id": {
    params: { id: segment("$$sessionId", "00000000-0000-7000-8000-000000000001") },
  },
  "POST /api/v1/auth/2fa/setup": {},
  "POST /api/v1/auth/2fa/enable": { body: { code: totpCode } },
  "POST /api/v1/auth/2fa/verify": {
    body: [
      { mfaToken: token("$$mfaToken", "$$accessToken"), code: totpCode },
      { mfaToken: token("$$mfaToken", "$$accessToken"), backupCode },
      { mfaToken: token("$$mfaToken"), code: totpCode, backupCode },
    ],
  },
  "POST /api/v1/auth/2fa/disable": {
    body: [
      { code: totpCode },
      { backupCode },
      { password, code: field(marker("$$totpCode", "$$backupCode"), sixDigits) },
    ],
  },
  "POST /api/v1/auth/reauthenticate": {
    body: [{ password }, { code: totpCode }, { backupCode }, { password, code: totpCode }],
  },
  "POST /api/v1/auth/2fa/backup-codes": { body: { code: totpCode } },
  "POST /api/v1/user/password": { body: { currentPassword: password, newPassword: password } },
  "GET /api/v1/user/security-events": {
    query: {
      limit: fc.oneof(fc.nat().map(String), fc.constantFrom("0", "101", "999", "-1", "1.5")),
      before: anyText,
    },
  },
  "POST /api/v1/user/export": {},
  "GET /api/v1/user/export": {},
  "GET /api/v1/user/export/:id": { params: { id: segment("00000000-0000-7000-8000-000000000001") } },
  "GET /api/v1/user/export/:id/download": { params: { id: segment("00000000-0000-7000-8000-000000000001") } },
  "GET /api/v1/oauth/providers": {},
  "GET /api/v1/oauth/linked": {},
  "POST /api/v1/oauth/exchange": { body: { code: token(), code_verifier: token() } },
  "GET /api/v1/oauth/:provider": {
    params: { provider },
    query: {
      code_challenge: fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9_~.-]{43,128}$/)),
      code_challenge_method: fc.constantFrom("S256", "plain", "s256", ""),
    },
  },
  "POST /api/v1/oauth/:provider/link": { params: { provider } },
  "POST /api/v1/oauth/:provider/reauthenticate": { params: { provider } },
  "GET /api/v1/oauth/:provider/callback": {
    params: { provider },
    query: {
      code: anyText,
      state: anyText,
      error: fc.constantFrom("access_denied", "server_error"),
      error_description: anyText,
    },
  },
  "DELETE /api/v1/oauth/:provider/unlink": { params: { provider } },
  "POST /api/v1/apps": { body: appFields },
  "GET /api/v1/apps": {},
  "GET /api/v1/apps/:clientId": { params: { clientId } },
  "PATCH /api/v1/apps/:clientId": {
    params: { clientId },
    body: [{ name: appFields.name }, { redirectURIs }, appFields],
  },
  "DELETE /api/v1/apps/:clientId": { params: { clientId } },
  "POST /api/v1/apps/:clientId/secret": { params: { clientId } },
  "GET /api/v1/user/apps": {},
  "DELETE /api/v1/user/apps/:clientId": { params: { clientId } },
  "DELETE /api/v1/user": {},
  "PATCH /api/v1/user": {
    body: { nickname: field(fc.string({ maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{2,30}$/)) },
  },
  "POST /api/v1/user/email": { body: { newEmail: email } },
  "POST /api/v1/user/email/confirm": { body: { token: token("$$verificationToken", "$$resetToken") } },
  "POST /api/v1/user/email/undo": {
    body: { token: token("$$resetToken", "$$verificationToken"), newPassword: password },
  },
  "GET /api/v1/admin/users": {
    query: {
      q: anyText,
      cursor: anyText,
      limit: fc.oneof(fc.nat().map(String), fc.constantFrom("0", "101", "999", "-1", "1.5")),
    },
  },
  "GET /api/v1/admin/users/:id": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/disable": { params: { id: userId }, body: { reason: field(anyText) } },
  "POST /api/v1/admin/users/:id/enable": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/unlock": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/reset-2fa": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/resend-verification": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/send-password-reset": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/require-new-password": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/verify-email": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/revoke-sessions": { params: { id: userId } },
  "POST /api/v1/admin/users/:id/unlink-provider": {
    params: { id: userId },
    body: { provider: field(fc.constantFrom(...providerNames)) },
  },
  "PATCH /api/v1/admin/users/:id": {
    params: { id: userId },
    body: { role: field(fc.constantFrom("user", "support", "admin", "root", "Admin")) },
  },
  "DELETE /api/v1/admin/users/:id": { params: { id: userId } },
  "GET /api/v1/admin/audit": { query: { cursor: anyText } },
  "PUT /api/v1/admin/maintenance-notice": { body: { message: field(anyText) } },
  "DELETE /api/v1/admin/maintenance-notice": {},
};

// --- requests ---------------------------------------------------------------------------------

/** A JSON body nested `depth` levels deep, in arrays or objects. */
const deepJSON = fc
  .tuple(fc.integer({ min: 100, max: 30_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

/** An object of the route's shape (fields left out now and then), sometimes with unknown fields. */
function shapedBody(shapes: readonly Fields[]): fc.Arbitrary<Record<string, unknown>> {
  const objects = shapes.map((fields) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.record(fields) },
      { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    ),
  );
  const extra = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
    },
  );
  return fc
    .tuple(objects.length === 0 ? fc.constant({}) : fc.oneof(...objects), extra)
    .map(([value, more]) => ({ ...more, ...value }));
}

function bodyOf(body: RouteFuzz["body"]): fc.Arbitrary<string | Buffer | undefined> {
  const shaped = shapedBody(body === undefined ? [] : Array.isArray(body) ? body : [body as Fields]);
  return fc.oneof(
    { weight: 24, arbitrary: shaped.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: deepJSON },
    { weight: 1, arbitrary: shaped.map((value) => JSON.stringify({ ...value, pad: "x".repeat(70_000) })) },
    { weight: 1, arbitrary: shaped.map((value) => JSON.stringify(value).slice(0, -1)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"admin":true}}}',
        '{"email":"a@b.c","email":"x"}',
        "",
        "null",
        "[]",
        '"string"',
        "{'single':'quotes'}",
        "\uFEFF{}",
        "{}garbage",
      ),
    },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  );
}

const contentType = fc.oneof(
  { weight: 24, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/json;charset=latin1",
      "application/json; charset=utf-16",
      "application/vnd.api+json",
      "application/jsonx",
      "text/plain",
      "text/html",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "",
      "application/json, text/plain",
      "*/*",
      ";",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/**
 * A header value as Node's HTTP parser lets it through: visible ASCII, space, tab and obs-text
 * (0x80-0xFF, read as latin1); never NUL, CR or LF, which it refuses (RFC 9110 section 5.5).
 */
const headerValue = fc.oneof(
  fc.string({
    unit: fc
      .integer({ min: 0x09, max: 0xff })
      .filter((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f))
      .map((c) => String.fromCharCode(c)),
    maxLength: 60,
  }),
  fc.constantFrom(1_000, 8_000, 15_000).map((n) => "h".repeat(n)),
);

const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("Bearer $$accessToken", "bearer   $$accessToken  ") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("Bearer $$refreshToken", "Bearer $$mfaToken", "Bearer $$accessToken x"),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "Bearer",
      "Bearer ",
      "Basic YWRhOnNlY3JldA==",
      "Bearer a.b.c",
      "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
      "Token abc",
      "Bearer\tabc",
    ),
  },
  { weight: 2, arbitrary: headerValue.map((value) => `Bearer ${value}`) },
  { weight: 1, arbitrary: headerValue },
);

const headerName = fc.oneof(
  fc.constantFrom(
    "authorization",
    "content-type",
    "accept",
    "cookie",
    "user-agent",
    "x-forwarded-for",
    "origin",
    "content-length",
    "accept-encoding",
    "host",
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
);

const cookie = fc.oneof(
  fc.constantFrom(
    "superoauth_oauth_state=abc",
    "superoauth_oauth_state=s%3Aforged.sig",
    "superoauth_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "superoauth_device=%zz",
    "a=b; a=c",
    "=;;=",
  ),
  headerValue,
);

/**
 * Headers as a Node server sees them when a client sends `pairs`: for a duplicated name, the first
 * `authorization`, `content-type`, `user-agent`, `host` or `content-length` wins, `cookie`s join
 * with "; " and the others with ", " (Node's documented `message.headers` rules).
 */
export function foldHeaders(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const firstWins = new Set(["authorization", "content-type", "user-agent", "host", "content-length"]);
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (firstWins.has(name)) continue;
    else headers[name] = `${previous}${name === "cookie" ? "; " : ", "}${value}`;
  }
  return headers;
}

const queryValue = fc.oneof(
  anyText.map(encodeSafely),
  fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "a&b", "[]", "a%26b%3Dc"),
);

function queryOf(fields: Readonly<Record<string, fc.Arbitrary<string>>> | undefined): fc.Arbitrary<string> {
  const names = Object.keys(fields ?? {});
  const known = names.length === 0 ? [] : [fc.constantFrom(...names)];
  const pair = fc.tuple(
    fc.oneof(...known, fc.string({ maxLength: 10 }).map(encodeSafely), fc.constantFrom("a[b]", "__proto__")),
    queryValue,
  );
  const plausible =
    fields === undefined
      ? fc.constant([] as [string, string][])
      : fc
          .record(fields, { requiredKeys: [] })
          .map((value) =>
            Object.entries(value).flatMap(([k, v]) =>
              v === undefined ? [] : [[k, encodeSafely(v)] as [string, string]],
            ),
          );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("") },
    {
      weight: 4,
      arbitrary: fc
        .tuple(plausible, fc.array(pair, { maxLength: 4 }))
        .map(([a, b]) => `?${[...a, ...b].map(([k, v]) => `${k}=${v}`).join("&")}`),
    },
    { weight: 1, arbitrary: fc.constantFrom("?", "?&&==&", `?a=${"x".repeat(10_000)}`, "?limit=1&limit=2") },
  );
}

/** Requests for `METHOD /path` (the route as Fastify prints it) fuzzed per `fuzz`. */
export function requestsFor(route: string, fuzz: RouteFuzz): fc.Arbitrary<FuzzRequest> {
  const [method = "GET", path = "/"] = route.split(" ");
  const paramNames = [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? "");
  const params = fc.record(
    Object.fromEntries(paramNames.map((name) => [name, fuzz.params?.[name] ?? segment("x")])),
  ) as fc.Arbitrary<Record<string, string>>;
  const takesBody = method === "POST" || method === "DELETE";
  return fc
    .record({
      params,
      query: queryOf(fuzz.query),
      payload: takesBody
        ? bodyOf(fuzz.body)
        : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, bodyOf(undefined)),
      contentType,
      authorization: fc.option(authorization, { freq: 4 }),
      cookie: fc.option(cookie, { freq: 2 }),
      extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
    })
    .map(({ params: values, query, payload, contentType: type, authorization: auth, cookie: c, extra }) => {
      const pairs: [string, string][] = [];
      if (auth !== null) pairs.push(["authorization", auth]);
      if (payload !== undefined && type !== undefined) pairs.push(["content-type", type]);
      if (c !== null) pairs.push(["cookie", c]);
      pairs.push(...extra);
      return {
        method,
        url: path.replace(/:([A-Za-z]+)/g, (_, name: string) => values[name] ?? "") + query,
        headers: foldHeaders(pairs),
        payload,
      };
    });
}
