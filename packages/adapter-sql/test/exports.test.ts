import { describe, expect, it } from "vitest";
import * as adapter from "../src/index.ts";

describe("the adapter-sql package", () => {
  it("exports openStorage and copyStorage (between two opened storages), and the refusal of a newer release's schema: callers never reach a dialect, a pool or a repository factory", () => {
    expect(Object.keys(adapter).sort()).toEqual(["SchemaOfANewerReleaseError", "copyStorage", "openStorage"]);
  });
});
