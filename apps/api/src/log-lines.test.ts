import { describe, expect, it } from "vitest";
import { keepLogLine, parseLogLine } from "./log-lines.ts";

const warning = JSON.stringify({ level: 40, reqId: "req-7", msg: "slow" });
const none = { minLevel: undefined, requestId: undefined };

describe("keepLogLine", () => {
  it("keeps every line, records or not, when nothing filters", () => {
    expect(keepLogLine(warning, none)).toBe(true);
    expect(keepLogLine("    at Object.<anonymous> (main.ts:1:1)", none)).toBe(true);
  });

  it("filters by level, from the given one up", () => {
    expect(keepLogLine(warning, { ...none, minLevel: "warn" })).toBe(true);
    expect(keepLogLine(warning, { ...none, minLevel: "error" })).toBe(false);
    expect(keepLogLine(warning, { ...none, minLevel: "trace" })).toBe(true);
  });

  it("filters by request id, reqId or requestId", () => {
    expect(keepLogLine(warning, { ...none, requestId: "req-7" })).toBe(true);
    expect(keepLogLine(warning, { ...none, requestId: "req-8" })).toBe(false);
    expect(keepLogLine(JSON.stringify({ level: 30, requestId: "r" }), { ...none, requestId: "r" })).toBe(
      true,
    );
  });

  it("drops lines that are not records once a filter is set", () => {
    expect(keepLogLine("not json", { ...none, minLevel: "info" })).toBe(false);
    expect(parseLogLine("[1,2]")).toBeNull();
    expect(parseLogLine("{cut")).toBeNull();
  });
});
