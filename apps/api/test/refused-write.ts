import type { HttpApp } from "@superoauth/adapter-http";
import { failedWrite } from "@superoauth/adapter-sql/testing";
import { expect } from "vitest";

type Response = Awaited<ReturnType<HttpApp["inject"]>>;

/**
 * Sends `request` while `refusing` (failWrites or failInserts: a trigger refusing one write, as a
 * crash there would) holds, lifts it, and checks the answer: a 500 INTERNAL_ERROR that does not
 * repeat the database's words.
 */
export async function expectInternalErrorWhileRefused(
  refusing: Promise<() => Promise<void>>,
  request: () => Promise<Response>,
): Promise<void> {
  const lift = await refusing;
  let failed: Response;
  try {
    failed = await request();
  } finally {
    await lift();
  }
  expect({ status: failed.statusCode, error: failed.json().error }).toEqual({
    status: 500,
    error: "INTERNAL_ERROR",
  });
  expect(failed.body).not.toContain(failedWrite);
}
