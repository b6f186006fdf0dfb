import { err, type OAuthProviderId, oauthProviderNames, ok, type Result } from "@superoauth/domain";
import {
  ArcticFetchError,
  OAuth2RequestError,
  type OAuth2Tokens,
  UnexpectedErrorResponseBodyError,
  UnexpectedResponseError,
} from "arctic";
import { Agent, setGlobalDispatcher } from "undici";

/** Where the adapter reports why a provider failed (pino's signature). Never given secrets, codes or tokens. */
export interface OAuthLogger {
  warn(details: Record<string, unknown>, message: string): void;
  /** Each call to a provider that went well (DEBUG=superoauth:oauth); never a token or a code. */
  debug?(details: Record<string, unknown>, message: string): void;
}

export interface UpstreamOptions {
  /** Every call to a provider gives up after this long (default 10 s). */
  readonly timeoutMs: number;
  readonly logger?: OAuthLogger | undefined;
}

/** The largest answer read from a provider: a token response or a profile is a few KB. */
export const maxProviderResponseBytes = 1024 * 1024;

/**
 * The HTTP agent the process's calls to providers go through (main.ts makes it fetch's global
 * dispatcher: Arctic's token requests take no agent or signal of their own). It bounds what a
 * misbehaving provider can cost: an answer over 1 MiB is refused as it arrives (a 50 MB one was
 * read whole and parsed, 10 at once took the heap to 845 MB and the event loop 5.7 s behind),
 * and a connection, the headers and each wait between body chunks give up after `timeoutMs`
 * (undici's default is 300 s, so a call given up on here still held its socket for 5 minutes).
 */
export function createUpstreamAgent(timeoutMs: number): Agent {
  return new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxResponseSize: maxProviderResponseBytes,
  });
}

/**
 * Makes createUpstreamAgent fetch's global dispatcher, for every call this process makes to a
 * provider (the service's only outgoing HTTP). Called once by the service's entry point.
 */
export function installUpstreamAgent(timeoutMs: number): void {
  setGlobalDispatcher(createUpstreamAgent(timeoutMs));
}

const timedOut = Symbol("timed out");

/**
 * Arctic's token requests take no AbortSignal, so the wait is bounded here: past
 * the timeout we stop waiting and answer; the abandoned request is ended by the upstream agent's
 * own timeouts (createUpstreamAgent).
 */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** OAuth error codes meaning "this code is no good" (RFC 6749 5.2; GitHub answers 200 with its own). */
const rejectedCodeErrors = new Set(["invalid_grant", "bad_verification_code"]);

/**
 * Runs Arctic's code exchange and translates its failures by class and OAuth
 * error code, never by message: a rejected code is the client's
 * INVALID_AUTHORIZATION_CODE; everything else (bad client credentials,
 * 5xx, network, timeout, a response without an access token) is TOKEN_EXCHANGE_FAILED.
 */
export async function exchangeCode(
  provider: OAuthProviderId,
  options: UpstreamOptions,
  exchange: () => Promise<OAuth2Tokens>,
): Promise<
  Result<
    { tokens: OAuth2Tokens; accessToken: string },
    "INVALID_AUTHORIZATION_CODE" | "TOKEN_EXCHANGE_FAILED"
  >
> {
  const fail = (reason: string, details: Record<string, unknown> = {}) => {
    options.logger?.warn({ provider, reason, ...details }, "OAuth code exchange failed");
    // The cause reaches the request's own log line (with its request id) through the HTTP adapter.
    return err(
      "TOKEN_EXCHANGE_FAILED",
      `Could not exchange the authorization code with ${oauthProviderNames[provider]}`,
      upstreamFailure(provider, reason, details),
    );
  };
  let tokens: OAuth2Tokens | typeof timedOut;
  try {
    tokens = await withTimeout(exchange(), options.timeoutMs);
  } catch (error) {
    if (error instanceof OAuth2RequestError) {
      if (rejectedCodeErrors.has(error.code)) {
        options.logger?.warn(
          { provider, reason: "code rejected", oauthError: error.code },
          "OAuth code rejected",
        );
        return err(
          "INVALID_AUTHORIZATION_CODE",
          `${oauthProviderNames[provider]} rejected the authorization code`,
        );
      }
      return fail("provider error", { oauthError: error.code });
    }
    if (error instanceof UnexpectedErrorResponseBodyError) {
      // Twitch answers a bad code with 400 {"status":400,"message":"Invalid authorization code"},
      // no OAuth error field. A 400 from the token endpoint is about the request, whose only
      // variable part is the code.
      if (provider === "twitch" && error.status === 400) {
        options.logger?.warn({ provider, reason: "code rejected", status: 400 }, "OAuth code rejected");
        return err(
          "INVALID_AUTHORIZATION_CODE",
          `${oauthProviderNames[provider]} rejected the authorization code`,
        );
      }
      return fail("unexpected error body", { status: error.status });
    }
    if (error instanceof UnexpectedResponseError)
      return fail("unexpected response", { status: error.status });
    if (error instanceof ArcticFetchError) return fail("network error", { cause: causeCode(error) });
    return fail("unexpected failure", { cause: causeCode(error) });
  }
  if (tokens === timedOut) return fail("timeout", { timeoutMs: options.timeoutMs });
  try {
    const accessToken = tokens.accessToken();
    options.logger?.debug?.({ provider }, "OAuth code exchanged");
    return ok({ tokens, accessToken });
  } catch {
    return fail("token response without access_token");
  }
}

/** The error's code (ECONNREFUSED, UND_ERR_SOCKET, ...), following causes; never its message, which may quote data. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    if ("code" in current && typeof current.code === "string") return current.code;
    current = "cause" in current ? current.cause : undefined;
  }
  return error instanceof Error ? error.name : undefined;
}

/**
 * GETs a provider's JSON API with the timeout. Any failure (network, timeout,
 * a non-2xx status, a body that is not JSON) is USER_INFO_FAILED, logged with its reason.
 */
export async function fetchProfileJSON(
  provider: OAuthProviderId,
  options: UpstreamOptions,
  input: { url: string; headers: Record<string, string> },
): Promise<Result<unknown, "USER_INFO_FAILED">> {
  const endpoint = new URL(input.url).pathname;
  let response: Response;
  try {
    response = await fetch(input.url, {
      headers: input.headers,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const reason =
      error instanceof DOMException && error.name === "TimeoutError" ? "timeout" : "network error";
    return profileFailure(provider, options, reason, { endpoint, cause: causeCode(error) });
  }
  if (!response.ok) {
    await response.body?.cancel();
    return profileFailure(provider, options, "unexpected status", { endpoint, status: response.status });
  }
  try {
    const profile = await response.json();
    options.logger?.debug?.({ provider, endpoint, status: response.status }, "OAuth profile fetched");
    return ok(profile);
  } catch (error) {
    const reason =
      error instanceof DOMException && error.name === "TimeoutError" ? "timeout" : "invalid JSON";
    return profileFailure(provider, options, reason, { endpoint });
  }
}

/** Logs why a profile could not be read and answers USER_INFO_FAILED. */
export function profileFailure(
  provider: OAuthProviderId,
  options: UpstreamOptions,
  reason: string,
  details: Record<string, unknown> = {},
): {
  readonly ok: false;
  readonly error: "USER_INFO_FAILED";
  readonly message?: string;
  readonly cause?: unknown;
} {
  options.logger?.warn({ provider, reason, ...details }, "OAuth profile fetch failed");
  return err(
    "USER_INFO_FAILED",
    `Could not read the profile from ${oauthProviderNames[provider]}`,
    upstreamFailure(provider, reason, details),
  );
}

/** Why a provider's answer failed, as an error for the request's log line (no token, no body). */
function upstreamFailure(provider: OAuthProviderId, reason: string, details: Record<string, unknown>): Error {
  return Object.assign(new Error(`${provider}: ${reason}`), { provider, reason, ...details });
}

/** A non-empty string property of an unknown JSON value, or null. */
export function stringField(value: unknown, key: string): string | null {
  if (typeof value !== "object" || value === null || !(key in value)) return null;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" && field !== "" ? field : null;
}

/** A boolean property, where true must be the JSON value true. */
export function isTrue(value: unknown, key: string): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[key] === true;
}
