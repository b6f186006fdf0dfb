/**
 * Thrown by a storage adapter when its store cannot be reached or does not answer in time: the
 * connection is refused or lost, no connection is free within the acquire timeout, a query outlives
 * its timeout. It is broken infrastructure, not an outcome, so it is thrown rather than returned;
 * use cases let it pass, and the HTTP adapter answers 503 SERVICE_UNAVAILABLE with Retry-After.
 *
 * It lives here, beside the ports, because it is part of their contract: the storage adapter
 * throws it and the HTTP adapter recognises it, and adapters may not import one another (nor may
 * the HTTP adapter import a database driver). The message names the driver's error code only,
 * never a statement, which would carry the values.
 */
/**
 * Seconds a client should wait before retrying while a dependency is unavailable: a database or
 * Redis that went away usually comes back, or fails over, within seconds (RFC 9110 10.2.3). Every
 * 503 for a missing dependency says it, on the API (adapter-http) and the protocol endpoints
 * (adapter-oidc) alike.
 */
export const unavailableRetryAfterSeconds = 5;

export class StorageUnavailableError extends Error {
  override readonly name = "StorageUnavailableError";
  /** The driver's code for what went wrong (ECONNREFUSED, PROTOCOL_SEQUENCE_TIMEOUT, ...). */
  readonly code: string;

  constructor(input: { code: string; message: string }) {
    super(`The database is unavailable (${input.code}): ${input.message}`);
    this.code = input.code;
  }
}
