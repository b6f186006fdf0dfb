import type { ErrorCode } from "../error-codes.ts";

/** One request the fake received. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly url: URL;
  readonly authorization: string | null;
  readonly body: unknown;
  readonly signal: AbortSignal | null;
}

type Handler = (request: SeenRequest) => Response | Promise<Response>;

/**
 * A fetch that answers from handlers the test registers per `METHOD /path` (without /api/v1), and
 * records every request. An unregistered route fails the test's expectation with a 599.
 */
export class FakeFetch {
  readonly seen: SeenRequest[] = [];
  readonly #handlers = new Map<string, Handler>();

  on(route: string, handler: Handler): this {
    this.#handlers.set(route, handler);
    return this;
  }

  /** How many requests went to `METHOD /path`. */
  count(route: string): number {
    return this.seen.filter((r) => `${r.method} ${r.path}` === route).length;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    const text = typeof init?.body === "string" ? init.body : undefined;
    const request: SeenRequest = {
      method: init?.method ?? "GET",
      path: url.pathname.replace(/^\/api\/v1/, ""),
      url,
      authorization: headers.get("authorization"),
      body: text === undefined ? undefined : JSON.parse(text),
      signal: init?.signal ?? null,
    };
    this.seen.push(request);
    const handler = this.#handlers.get(`${request.method} ${request.path}`);
    if (handler === undefined) return new Response("no handler", { status: 599 });
    return handler(request);
  };
}

/** The API's success envelope. */
export function ok(data: unknown, status = 200): Response {
  return Response.json({ success: true, data }, { status });
}

/** The API's error envelope, with optional headers (Retry-After, X-Request-Id). */
export function fail(
  code: ErrorCode,
  status: number,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Response {
  return Response.json(
    { success: false, error: code, message: `${code} message`, ...extra },
    { status, headers },
  );
}

/** A fetch that never answers until its signal aborts (a hung server). */
export function hang(request: SeenRequest): Promise<Response> {
  return new Promise((_resolve, reject) => {
    request.signal?.addEventListener("abort", () => reject(request.signal?.reason), { once: true });
  });
}

/** An answer whose headers came and whose body breaks off after its first bytes (a dropped connection). */
export function cutOff(status: number, headers: Record<string, string> = {}): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"success":true,"da'));
      controller.error(new TypeError("terminated"));
    },
  });
  return new Response(body, { status, headers: { "content-type": "application/json", ...headers } });
}
