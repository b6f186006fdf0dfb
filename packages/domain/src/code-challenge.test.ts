import { describe, expect, it } from "vitest";
import { parseCodeChallenge } from "./code-challenge.ts";

// RFC 7636 appendix B: the challenge of the verifier dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk.
const rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

describe("parseCodeChallenge", () => {
  it("accepts an S256 challenge", () => {
    expect(parseCodeChallenge({ codeChallenge: rfcChallenge, codeChallengeMethod: "S256" })).toEqual({
      ok: true,
      value: rfcChallenge,
    });
  });

  it("requires a challenge, and says what to send", () => {
    for (const codeChallenge of [undefined, ""]) {
      const parsed = parseCodeChallenge({ codeChallenge, codeChallengeMethod: "S256" });
      expect(parsed).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
      expect(parsed.ok ? "" : parsed.message).toContain("code_challenge_method=S256");
    }
  });

  it("refuses plain, a missing method (RFC 7636 would read it as plain) and any other method", () => {
    for (const codeChallengeMethod of ["plain", undefined, "s256", "S512"]) {
      const parsed = parseCodeChallenge({ codeChallenge: rfcChallenge, codeChallengeMethod });
      expect(parsed).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
      expect(parsed.ok ? "" : parsed.message).toContain("must be S256");
    }
  });

  it("holds the challenge to RFC 7636's grammar: 43 to 128 unreserved characters", () => {
    const valid = ["a".repeat(43), `${"A-._~".repeat(25)}xyz`];
    const invalid = [
      "a".repeat(42),
      "a".repeat(129),
      `${rfcChallenge.slice(1)}=`,
      `${rfcChallenge.slice(2)}+/`,
    ];
    for (const codeChallenge of valid) {
      expect(parseCodeChallenge({ codeChallenge, codeChallengeMethod: "S256" }).ok).toBe(true);
    }
    for (const codeChallenge of invalid) {
      expect(parseCodeChallenge({ codeChallenge, codeChallengeMethod: "S256" })).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
      });
    }
  });
});
