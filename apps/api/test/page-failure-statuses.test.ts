import { errorStatus } from "@superoauth/adapter-http";
import { pageFailures } from "@superoauth/adapter-web";
import { describe, expect, it } from "vitest";

// The hosted pages answer a use case's failure with a status of their own table (adapter-web may
// not import adapter-http); this keeps that table on the API's statuses, the one place a code
// becomes a status. One deliberate difference: a wrong current password on the password page is
// 401 (the person at the form must prove who they are), where the JSON API answers 400.
const pageOnly: Readonly<Record<string, number>> = { INVALID_CURRENT_PASSWORD: 401 };

describe("the pages' failure statuses", () => {
  it("are the API's for every code, but the one named difference", () => {
    const statuses = Object.fromEntries(
      Object.entries(pageFailures).map(([code, failure]) => [code, failure.status]),
    );
    const expected = Object.fromEntries(
      Object.keys(pageFailures).map((code) => [
        code,
        pageOnly[code] ?? (errorStatus as Readonly<Record<string, number>>)[code],
      ]),
    );
    expect(statuses).toEqual(expected);
  });
});
