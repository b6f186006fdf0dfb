/**
 * Thrown by a port's implementation that sheds work it has no capacity for now
 * (e.g. too many slow password hashes waiting, or writers contending for the same
 * rows past the storage's retries). It lives with the ports, not in
 * an adapter, so the HTTP adapter can recognise it without knowing which adapter
 * threw or why, and not in the domain, which knows nothing of capacity. It is
 * not an outcome of a use case, which lets it pass: the HTTP adapter answers
 * 503 SERVICE_UNAVAILABLE with Retry-After (RFC 9110 section 15.6.4).
 */
export class OverloadedError extends Error {
  /** When the client may try again, in seconds (the Retry-After header). */
  readonly retryAfterSeconds: number;
  /**
   * What the client is told in place of "the service is busy", when the cause is the request's
   * own and saying it helps (another request changed the same thing meanwhile). `message` is
   * for the log only.
   */
  readonly publicMessage: string | undefined;

  constructor(input: {
    message: string;
    retryAfterSeconds: number;
    publicMessage?: string;
    cause?: unknown;
  }) {
    super(input.message, input.cause === undefined ? undefined : { cause: input.cause });
    this.name = "OverloadedError";
    this.retryAfterSeconds = input.retryAfterSeconds;
    this.publicMessage = input.publicMessage;
  }
}
