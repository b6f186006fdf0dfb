import { sleep, timerDelay, untilStopped } from "./abort.ts";
import { type ErrorCode, errorCodes } from "./error-codes.ts";
import { type RateLimit, SuperOAuthError, SuperOAuthNetworkError } from "./errors.ts";
import {
  applyRetryOptions,
  backoffDelay,
  isIdempotentMethod,
  isRetryable,
  parseRetryAfter,
  type RetryOptions,
  type RetryPolicy,
} from "./retry.ts";
import { type Route, type RouteName, routes } from "./routes.ts";
import { checkCallSettings } from "./settings.ts";
import type { StoredTokens, TokenStorage } from "./token-storage.ts";
import type { TokenPair } from "./types.ts";

/** Per-call options, the last argument of every client method. */
export interface RequestOptions {
  /** Cancels the call (and any wait between its attempts); the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** This call's per-attempt timeout in ms (default: the client's `timeoutMs`). */
  readonly timeoutMs?: number;
  /**
   * The longest this call may take in all, in ms: its attempts, the waits between them and its wait
   * for a refresh of the tokens on the way (default: the client's `deadlineMs`; `Infinity` for none).
   */
  readonly deadlineMs?: number;
  /** This call's retry settings, or false for a single attempt. */
  readonly retry?: RetryOptions | false;
  /**
   * Treat this call as safe to repeat after a network failure, a timeout or a 5xx. By default GET,
   * PUT and DELETE are (but `oauth.finishCallback`, whose code works once); a POST that timed out
   * may have been carried out, so it is not repeated unless you say so here.
   */
  readonly idempotent?: boolean;
}

/** fetch's `credentials` (spelled out: Node's types have no `RequestCredentials`). */
export type FetchCredentials = "omit" | "same-origin" | "include";

/**
 * A rate-limited route's budget as an answer told it (its `X-RateLimit-*` headers), success or
 * failure, with the route that answered and the answer's status.
 */
export interface RateLimitSeen {
  readonly route: RouteName;
  readonly status: number;
  readonly rateLimit: RateLimit;
}

/** Why the client dropped its tokens: the code the server answered the refresh (or the call) with. */
export interface SessionEnded {
  readonly reason: ErrorCode;
}

export interface TransportOptions {
  readonly baseURL: string;
  readonly storage: TokenStorage;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  readonly credentials: FetchCredentials | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly onSessionEnded: ((event: SessionEnded) => void) | undefined;
  readonly onRateLimit: ((event: RateLimitSeen) => void) | undefined;
  /** The service's `REFRESH_REUSE_GRACE` in ms: how long a rotated refresh token is still taken. */
  readonly refreshReuseGraceMs: number;
}

/** What a call sends besides its route. */
export interface CallInput {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The answers after which the tokens are of no use any more: the session is over. */
const sessionEndingCodes: ReadonlySet<ErrorCode> = new Set([
  "INVALID_REFRESH_TOKEN",
  "INVALID_TOKEN",
  "ACCOUNT_DISABLED",
  "USER_NOT_FOUND",
]);

/** A bearer call that got one of these refreshes the tokens once and tries again. */
const refreshingCodes: ReadonlySet<ErrorCode> = new Set(["TOKEN_EXPIRED", "INVALID_TOKEN"]);

const knownCodes: ReadonlySet<string> = new Set(errorCodes);

/**
 * Sends the client's requests: URLs, bearer tokens, timeouts, retries with backoff, and the one
 * shared refresh when an access token expires. The methods of `SuperOAuthClient` are thin over it.
 */
export class Transport {
  readonly #options: TransportOptions;
  /** The refresh in flight, which every call that needs one joins (single flight). */
  #refreshing: Promise<TokenPair> | null = null;
  /**
   * The last refresh that ended the session: a call refused with those tokens whose answer comes
   * back after that refresh settled throws the same error, not its own TOKEN_EXPIRED.
   */
  #ended: { refreshToken: string; error: SuperOAuthError } | null = null;
  /**
   * A refreshed pair the storage refused to keep (`set` threw): the server has rotated the token,
   * so the old pair in the storage is spent. Held here and used before the storage's until a later
   * `set` succeeds.
   */
  #unsaved: StoredTokens | null = null;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  /** The absolute URL of a route. */
  urlOf(name: RouteName, input: Pick<CallInput, "params" | "query"> = {}): URL {
    const route: Route = routes[name];
    const path = route.path.replace(/:([A-Za-z]+)/g, (_match, param: string) => {
      const value = input.params?.[param];
      if (value === undefined || value === "") throw new TypeError(`${name}: "${param}" is required`);
      return encodeURIComponent(value);
    });
    const url = new URL(`${this.#options.baseURL.replace(/\/+$/, "")}/api/v1${path}`);
    for (const [key, value] of Object.entries(input.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Calls a route and answers its `data`. */
  async call<T>(name: RouteName, input: CallInput = {}, options: RequestOptions = {}): Promise<T> {
    const answer = await this.#authorized(name, input, options, "json");
    return answer.data as T;
  }

  /** Calls a route whose success is a byte stream: answers the response, its body unread. */
  async open(name: RouteName, input: CallInput = {}, options: RequestOptions = {}): Promise<Response> {
    const answer = await this.#authorized(name, input, options, "stream");
    if (answer.response === null) throw new TypeError(`${name} answered JSON, not a stream`);
    return answer.response;
  }

  /** Stores the tokens of a completed sign-in. */
  async storeTokens(tokens: StoredTokens): Promise<void> {
    await this.#options.storage.set({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    this.#unsaved = null;
  }

  /** The tokens to send: a refreshed pair the storage refused, else the storage's. */
  async readTokens(): Promise<StoredTokens | null> {
    return this.#unsaved ?? (await this.#options.storage.get());
  }

  /** Forgets the tokens: the storage's, and a refreshed pair it refused. */
  async clearTokens(): Promise<void> {
    this.#unsaved = null;
    await this.#options.storage.clear();
  }

  /**
   * Exchanges the stored refresh token for a new pair and stores it, or joins the exchange already
   * in flight. Fails with INVALID_REFRESH_TOKEN (and clears the tokens) when the session is over.
   */
  async refresh(options: RequestOptions = {}): Promise<TokenPair> {
    checkCallSettings("options.", options);
    // The call waits until its deadline; the refresh runs on for the other calls (its window
    // inside the reuse grace bounds it), as a refresh joined on a bearer call's way does.
    const deadlineAt = Date.now() + (options.deadlineMs ?? this.#options.deadlineMs);
    const refreshed = await untilStopped(this.#joinOrStartRefresh({ stale: null }), {
      signal: options.signal,
      deadlineAt,
      late: () =>
        deadlineReached("POST", this.urlOf("auth.refresh"), "while its tokens were being refreshed"),
    });
    if (typeof refreshed === "string") throw new Error("No refresh token stored: sign in first");
    return refreshed;
  }

  /** The tokens are dropped and `onSessionEnded` told, if they are still the ones that failed. */
  async endSession(input: { failed: StoredTokens; reason: ErrorCode }): Promise<void> {
    const current = await this.readTokens();
    if (current === null || current.refreshToken !== input.failed.refreshToken) return;
    await this.clearTokens();
    const listener = this.#options.onSessionEnded;
    // Outside this call's stack: the listener's own failure must not replace the API's answer.
    if (listener !== undefined) queueMicrotask(() => listener({ reason: input.reason }));
  }

  /**
   * The new pair of the refresh in flight, or of one started now from the stored tokens: the one
   * place a refresh starts, so concurrent callers share it. With `stale` (the tokens a call was
   * refused with), "replaced" when the stored ones already differ (another call refreshed them).
   */
  async #joinOrStartRefresh(input: {
    stale: StoredTokens | null;
  }): Promise<TokenPair | "signed-out" | "replaced"> {
    if (this.#refreshing === null) {
      const current = await this.readTokens();
      // Checked again: another call may have started one while the storage answered.
      if (this.#refreshing === null) {
        if (current === null) {
          const ended = this.#ended;
          if (input.stale !== null && ended !== null && ended.refreshToken === input.stale.refreshToken)
            throw ended.error;
          return "signed-out";
        }
        if (input.stale !== null && current.accessToken !== input.stale.accessToken) return "replaced";
        this.#startRefresh(current);
      }
    }
    if (this.#refreshing === null) throw new Error("no refresh in flight");
    return this.#refreshing;
  }

  #startRefresh(tokens: StoredTokens): void {
    this.#refreshing = this.#exchangeRefreshToken(tokens).finally(() => {
      this.#refreshing = null;
    });
  }

  async #exchangeRefreshToken(tokens: StoredTokens): Promise<TokenPair> {
    // A refresh whose answer is lost (a timeout, a dropped connection, a proxy's 5xx) may have
    // rotated the token on the server. Presented again within the server's reuse grace, the same
    // token gets the same new pair; presented after it, it is taken for a stolen one, the session
    // ends and its holder is mailed (ADR 0002). So an unclear failure is tried again at once, each
    // attempt's timeout cut to what is left of a window inside the grace (80 % of it), and never
    // after a backoff or a Retry-After wait that could outlast it.
    let started = Date.now();
    const windowMs = Math.floor(this.#options.refreshReuseGraceMs * 0.8);
    const policy = this.#options.retry;
    let pair: TokenPair;
    // Attempts refused by the rate limit, and whether any answer was lost (the token maybe spent).
    let limited = 0;
    let unclearSeen = false;
    for (let attempt = 1; ; attempt += 1) {
      const leftMs = windowMs - (Date.now() - started);
      try {
        const { data } = await this.#send(
          "auth.refresh",
          { body: { refreshToken: tokens.refreshToken } },
          { retry: false, timeoutMs: Math.max(1, Math.min(this.#options.timeoutMs, leftMs)) },
          null,
          "json",
          this.urlOf("auth.refresh"),
          // Bounded by the window inside the grace instead: a refresh serves every call waiting on it.
          Number.POSITIVE_INFINITY,
        );
        pair = tokenPairOf(data);
        break;
      } catch (error) {
        if (error instanceof SuperOAuthError && sessionEndingCodes.has(error.code)) {
          this.#ended = { refreshToken: tokens.refreshToken, error };
          await this.endSession({ failed: tokens, reason: error.code });
          throw error;
        }
        // The API's own 429 was not handled: the token is as it was, so it may wait out its
        // Retry-After as any call does (the client's retry settings), but only while no answer
        // was lost before it: a token maybe spent must be sent again inside the grace, not later.
        if (error instanceof SuperOAuthError && error.code === "RATE_LIMIT_EXCEEDED") {
          limited += 1;
          const delay =
            unclearSeen || limited >= policy.maxAttempts
              ? null
              : this.#waitBefore(limited + 1, policy, error);
          if (delay === null) throw error;
          await sleep(delay, undefined);
          // Nothing was spent: the window inside the grace starts again with the next attempt.
          started = Date.now();
          attempt = 0;
          continue;
        }
        // A 5xx, the API's own 503 included, may come after the rotation committed.
        const unclear =
          error instanceof SuperOAuthNetworkError ||
          (error instanceof SuperOAuthError && error.status >= 500);
        unclearSeen ||= unclear;
        const stillInside = windowMs - (Date.now() - started) >= minRefreshAttemptMs;
        if (!unclear || !stillInside || attempt >= maxRefreshAttempts) throw error;
      }
    }
    // Stored only over the tokens it refreshed: a sign-out or another sign-in while it was on its
    // way stands (the left session's new pair would sign the device back in, or as someone else).
    const current = await this.readTokens();
    if (current === null || current.refreshToken !== tokens.refreshToken) return pair;
    try {
      await this.storeTokens(pair);
    } catch (error) {
      // The old pair is spent now: keep the new one for the next calls, and say what failed.
      this.#unsaved = { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
      throw error;
    }
    return pair;
  }

  /**
   * A bearer call whose token expired (or no longer verifies) refreshes once, through the one
   * refresh in flight, and is sent again with the new token. A call whose stale token was already
   * replaced by another call's refresh is just sent again.
   */
  async #authorized(
    name: RouteName,
    input: CallInput,
    options: RequestOptions,
    mode: "json" | "stream",
  ): Promise<Answer> {
    checkCallSettings("options.", options);
    const url = this.urlOf(name, input);
    // One deadline for the whole call: its retries, their waits, the wait for a refresh and the resend.
    const deadlineAt = Date.now() + (options.deadlineMs ?? this.#options.deadlineMs);
    if (!routes[name].bearer) return this.#send(name, input, options, null, mode, url, deadlineAt);
    let refreshed = false;
    for (;;) {
      const tokens = await this.readTokens();
      try {
        return await this.#send(name, input, options, tokens?.accessToken ?? null, mode, url, deadlineAt);
      } catch (error) {
        // The caller's account was disabled: no refresh can help (it would be refused the same),
        // so the session ends now rather than at the access token's expiry. (USER_NOT_FOUND is not
        // taken so: on a staff route it is about another account.)
        if (tokens !== null && error instanceof SuperOAuthError && error.code === "ACCOUNT_DISABLED") {
          await this.endSession({ failed: tokens, reason: error.code });
          throw error;
        }
        if (
          refreshed ||
          tokens === null ||
          !(error instanceof SuperOAuthError) ||
          !refreshingCodes.has(error.code)
        ) {
          throw error;
        }
        // The call waits for the refresh only until its deadline; the refresh itself runs on for
        // the other calls waiting on it (its window inside the reuse grace bounds it), and its
        // tokens are kept.
        const outcome = await untilStopped(this.#joinOrStartRefresh({ stale: tokens }), {
          signal: options.signal,
          deadlineAt,
          late: () => deadlineReached(routes[name].method, url, "while its tokens were being refreshed"),
        });
        if (outcome === "signed-out") throw error;
        refreshed = true;
      }
    }
  }

  /** Sends one call, with its retries, all of them before `deadlineAt` (ms since the epoch). */
  async #send(
    name: RouteName,
    input: CallInput,
    options: RequestOptions,
    accessToken: string | null,
    mode: "json" | "stream",
    url: URL,
    deadlineAt: number,
  ): Promise<Answer> {
    const route: Route = routes[name];
    const policy = applyRetryOptions(this.#options.retry, options.retry);
    const idempotent = options.idempotent ?? route.idempotent ?? isIdempotentMethod(route.method);
    const headers: Record<string, string> = {
      accept: mode === "json" ? "application/json" : "*/*",
      ...this.#options.headers,
      ...input.headers,
    };
    if (input.body !== undefined) headers["content-type"] = "application/json";
    if (accessToken !== null) headers.authorization = `Bearer ${accessToken}`;
    const init: RequestInit = {
      method: route.method,
      headers,
      ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
      ...(this.#options.credentials === undefined ? {} : { credentials: this.#options.credentials }),
    };
    for (let attempt = 1; ; attempt += 1) {
      let failure: SuperOAuthError | SuperOAuthNetworkError;
      try {
        const received = await this.#attempt(url, init, options, mode, deadlineAt);
        this.#tellRateLimit(name, received.response);
        const answer = interpret(received);
        if (!(answer instanceof Error)) return answer;
        failure = answer;
      } catch (error) {
        if (!(error instanceof SuperOAuthNetworkError)) throw error;
        failure = error;
      }
      const notHandled =
        failure instanceof SuperOAuthError &&
        (failure.code === "RATE_LIMIT_EXCEEDED" || failure.code === "SERVICE_UNAVAILABLE");
      // An answer cut off on the way is a failure on the way, whatever status it began with.
      const status = failure.code === "NETWORK_ERROR" || failure.code === "TIMEOUT" ? null : failure.status;
      if (attempt >= policy.maxAttempts || !isRetryable({ status, idempotent, notHandled })) {
        throw failure;
      }
      const delay = this.#waitBefore(attempt + 1, policy, failure);
      // A wait that would end at or past the deadline leaves no time for the next attempt: the
      // failure is the answer now, as for a Retry-After longer than the client waits out.
      if (delay === null || Date.now() + delay >= deadlineAt) throw failure;
      await sleep(delay, options.signal);
    }
  }

  /** `onRateLimit` told of an answer's budget, when it carried one. */
  #tellRateLimit(name: RouteName, response: Response): void {
    const listener = this.#options.onRateLimit;
    if (listener === undefined) return;
    const rateLimit = rateLimitOf(response.headers);
    if (rateLimit === null) return;
    const event: RateLimitSeen = { route: name, status: response.status, rateLimit };
    // Outside this call's stack: the listener's own failure must not replace the API's answer.
    queueMicrotask(() => listener(event));
  }

  /**
   * The wait before attempt `next` after `failure`: the backoff step, or its `Retry-After` when
   * longer; null when that asks for more than the policy waits out (the failure is the answer).
   */
  #waitBefore(
    next: number,
    policy: RetryPolicy,
    failure: SuperOAuthError | SuperOAuthNetworkError,
  ): number | null {
    const delay = backoffDelay({ attempt: next - 1, policy, random: this.#options.random });
    if (failure.retryAfter === null) return delay;
    const asked = failure.retryAfter * 1000;
    return asked > policy.maxRetryAfterMs ? null : Math.max(delay, asked);
  }

  /** One attempt under its timeout: the response, and its text unless it is a stream to hand on. */
  async #attempt(
    url: URL,
    init: RequestInit,
    options: RequestOptions,
    mode: "json" | "stream",
    deadlineAt: number,
  ): Promise<Received> {
    const caller = options.signal;
    if (caller?.aborted === true) throw caller.reason;
    const controller = new AbortController();
    let timedOut = false;
    const attemptTimeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    // Cut to what is left of the call's deadline; none left (a refresh that ended just at it): not sent.
    const leftMs = deadlineAt - Date.now();
    if (leftMs <= 0) throw deadlineReached(init.method ?? "GET", url, "before it could be sent");
    const byDeadline = leftMs < attemptTimeoutMs;
    const timeoutMs = byDeadline ? leftMs : attemptTimeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timerDelay(timeoutMs));
    const onCallerAbort = () => controller.abort(caller?.reason);
    caller?.addEventListener("abort", onCallerAbort, { once: true });
    // A stream handed on keeps the caller's signal: aborting it cancels the body being read.
    let handedOn = false;
    // The answer whose body was being read when it failed: its status and request id say which.
    let begun: Response | null = null;
    try {
      const response = await this.#options.fetch(url, { ...init, signal: controller.signal });
      if (response.ok && mode === "stream") {
        handedOn = true;
        const release = () => caller?.removeEventListener("abort", onCallerAbort);
        return { response: caller === undefined ? response : releasingAtEnd(response, release), text: null };
      }
      begun = response;
      return { response, text: await response.text() };
    } catch (error) {
      if (controller.signal.aborted && !timedOut) throw caller?.reason ?? error;
      const answer =
        begun === null
          ? {}
          : {
              status: begun.status,
              requestId: begun.headers.get("x-request-id"),
              retryAfter: parseRetryAfter(begun.headers.get("retry-after"), Date.now()),
            };
      const cutOff = begun === null ? "" : ` (HTTP ${begun.status}, cut off in its body)`;
      if (timedOut) {
        throw new SuperOAuthNetworkError({
          code: "TIMEOUT",
          message: byDeadline
            ? `${init.method} ${url.pathname} reached the call's deadline (${timeoutMs} ms were left for this attempt)${cutOff}`
            : `${init.method} ${url.pathname} took longer than ${timeoutMs} ms${cutOff}`,
          ...answer,
        });
      }
      throw new SuperOAuthNetworkError({
        code: "NETWORK_ERROR",
        message: `${init.method} ${url.pathname} failed${cutOff}: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
        ...answer,
      });
    } finally {
      clearTimeout(timer);
      if (!handedOn) caller?.removeEventListener("abort", onCallerAbort);
    }
  }
}

/**
 * `response` with a body that calls `release` once it is read to its end, fails or is cancelled:
 * the caller's abort listener lives as long as the stream it cancels, not as long as the caller's
 * signal (an app may pass one signal to every download).
 */
function releasingAtEnd(response: Response, release: () => void): Response {
  if (response.body === null) {
    release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          stream.close();
        } else {
          stream.enqueue(value);
        }
      } catch (error) {
        release();
        stream.error(error);
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** A call's deadline reached outside an attempt (waiting on a refresh, or before a resend). */
function deadlineReached(method: string, url: URL, when: string): SuperOAuthNetworkError {
  return new SuperOAuthNetworkError({
    code: "TIMEOUT",
    message: `${method} ${url.pathname} reached the call's deadline ${when}`,
  });
}

interface Received {
  readonly response: Response;
  /** Null for a successful stream, whose body is left for the caller. */
  readonly text: string | null;
}

interface Answer {
  readonly data: unknown;
  /** The response of a stream, else null. */
  readonly response: Response | null;
}

/** The success's data, or the failure the response stands for. */
function interpret(received: Received): Answer | SuperOAuthError | SuperOAuthNetworkError {
  const { response, text } = received;
  if (text === null) return { data: null, response };
  const requestIdHeader = response.headers.get("x-request-id");
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"), Date.now());
  const body = parseJSON(text);
  if (response.ok && isObject(body) && body.success === true && "data" in body) {
    return { data: body.data, response: null };
  }
  if (
    !response.ok &&
    isObject(body) &&
    body.success === false &&
    typeof body.error === "string" &&
    knownCodes.has(body.error)
  ) {
    return new SuperOAuthError({
      code: body.error as ErrorCode,
      status: response.status,
      message: typeof body.message === "string" ? body.message : body.error,
      requestId: typeof body.requestId === "string" ? body.requestId : requestIdHeader,
      retryAfter,
      rateLimit: rateLimitOf(response.headers),
    });
  }
  const unknownCode = isObject(body) && typeof body.error === "string" ? ` (error ${body.error})` : "";
  return new SuperOAuthNetworkError({
    code: "INVALID_RESPONSE",
    message: `Unexpected answer (HTTP ${response.status}${unknownCode}): not an envelope this client knows`,
    status: response.status,
    requestId: requestIdHeader,
    retryAfter,
  });
}

/** The `X-RateLimit-*` headers, when all three are there and whole numbers; else null. */
function rateLimitOf(headers: Headers): RateLimit | null {
  const [limit, remaining, reset] = ["limit", "remaining", "reset"].map((name) => {
    const value = headers.get(`x-ratelimit-${name}`)?.trim() ?? "";
    return /^\d+$/.test(value) ? Number(value) : null;
  });
  if (limit == null || remaining == null || reset == null) return null;
  return { limit, remaining, resetAt: new Date(reset * 1000) };
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Attempts of one refresh in all: the first, and two more after unclear failures, inside the window. */
const maxRefreshAttempts = 3;

/** A refresh attempt is not started with less than this left of its window. */
const minRefreshAttemptMs = 250;

/** A refresh's `data`, checked: both tokens, as strings. */
function tokenPairOf(data: unknown): TokenPair {
  if (
    isObject(data) &&
    typeof data.accessToken === "string" &&
    typeof data.refreshToken === "string" &&
    data.accessToken !== "" &&
    data.refreshToken !== ""
  ) {
    return data as unknown as TokenPair;
  }
  throw new SuperOAuthNetworkError({
    code: "INVALID_RESPONSE",
    message: "The refresh answered without a token pair: not an answer this client knows",
  });
}
