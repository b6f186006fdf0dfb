import { describe, expect, it } from "vitest";
import { typedEmailMatches } from "./typed-confirmation.ts";

describe("typedEmailMatches", () => {
  it("ignores surrounding spaces and letter case, nothing else", () => {
    expect(typedEmailMatches(" Ada@Example.com ", "ada@example.com")).toBe(true);
    expect(typedEmailMatches("ada@example.org", "ada@example.com")).toBe(false);
    expect(typedEmailMatches("DELETE", "ada@example.com")).toBe(false);
  });

  it("takes an address typed decomposed (NFD, e + combining accent) for the stored precomposed one", () => {
    expect(typedEmailMatches("e\u0301lodie@example.com", "\u00e9lodie@example.com")).toBe(true);
    expect(typedEmailMatches("E\u0301LODIE@example.com", "\u00e9lodie@example.com")).toBe(true);
    // The stored address keeps its domain in ASCII; the person types it as they know it.
    expect(typedEmailMatches("Élodie@Bücher.de", "\u00e9lodie@xn--bcher-kva.de")).toBe(true);
    // A different letter is still a different address.
    expect(typedEmailMatches("elodie@example.com", "\u00e9lodie@example.com")).toBe(false);
  });
});
