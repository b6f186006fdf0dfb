import { expect } from "vitest";

/** Asserts the status and that the body is exactly the contract's error envelope with this code. */
export function expectErrorEnvelope(
  response: { statusCode: number; json(): unknown },
  code: string,
  status: number,
): void {
  expect({ status: response.statusCode, body: response.json() }).toStrictEqual({
    status,
    body: { success: false, error: code, message: expect.stringMatching(/\S/) },
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
