import { errorCodes as serverCodes } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../src/error-codes.ts";

describe("the client's error codes", () => {
  it("are the server's, in the same order (the client keeps its own list to depend on nothing of ours)", () => {
    expect([...errorCodes]).toEqual([...serverCodes]);
  });
});
