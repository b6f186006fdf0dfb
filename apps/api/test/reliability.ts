import { expect } from "vitest";

/** Asserts the status and that the body is exactly the contract's error envelope with this code. */
export function expectErrorEnvelope(
  response: { statusCode: number; json(): unknown },
  code: string,
  status: number,
): void {
  // A 5xx names its request (X-Request-Id) for support.
  const envelope = { success: false, error: code, message: expect.stringMatching(/\S/) };
  expect({ status: response.statusCode, body: response.json() }).toStrictEqual({
    status,
    body: status >= 500 ? { ...envelope, requestId: expect.any(String) } : envelope,
  });
}

/** Polls `check` every 50 ms until it holds; returns how long that took, or throws after `limitMs`. */
export async function timeUntil(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not reached within ${limitMs} ms`);
}
