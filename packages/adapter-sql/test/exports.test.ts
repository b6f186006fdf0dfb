import { describe, expect, it } from "vitest";
import * as adapter from "../src/index.ts";

describe("the adapter-sql package", () => {
  it("exports openStorage and copyStorage (between two opened storages), the refusal of a newer release's schema and a failed migration's error: callers never reach a dialect, a pool or a repository factory", () => {
    expect(Object.keys(adapter).sort()).toEqual([
      "MigrationFailedError",
      "SchemaOfANewerReleaseError",
      "copyStorage",
      "openStorage",
    ]);
  });
});
