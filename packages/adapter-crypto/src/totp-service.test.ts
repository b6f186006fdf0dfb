import { describe, expect, it } from "vitest";
import { createOTPLibTOTPService, generateTOTPCode } from "./totp-service.ts";

// RFC 6238 appendix B, SHA-1: the key is the ASCII "12345678901234567890" (base32 below).
// The RFC lists 8-digit codes; a 6-digit code is the same number modulo 10^6, its last six digits.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const rfcVectors: [number, string][] = [
  [59, "94287082"],
  [1_111_111_109, "07081804"],
  [1_111_111_111, "14050471"],
  [1_234_567_890, "89005924"],
  [2_000_000_000, "69279037"],
  [20_000_000_000, "65353130"],
];

const totp = createOTPLibTOTPService({ issuer: "SuperOAuth" });
const at = (seconds: number) => new Date(seconds * 1000);

describe("otplib TOTP service", () => {
  it.each(rfcVectors)(
    "accepts the RFC 6238 SHA-1 code at T=%i and names its time step",
    async (seconds, code) => {
      expect(await totp.findTOTPTimeStep({ secret: rfcSecret, code: code.slice(2), now: at(seconds) })).toBe(
        Math.floor(seconds / 30),
      );
    },
  );

  it.each(rfcVectors)("generates the RFC 6238 SHA-1 code at T=%i", async (seconds, code) => {
    expect(await generateTOTPCode({ secret: rfcSecret, now: at(seconds) })).toBe(code.slice(2));
  });

  it("accepts a code one step either side of now, and not two", async () => {
    const code = "287082"; // T=59, step 1
    expect(await totp.findTOTPTimeStep({ secret: rfcSecret, code, now: at(59 - 30) })).toBe(1);
    expect(await totp.findTOTPTimeStep({ secret: rfcSecret, code, now: at(59 + 30) })).toBe(1);
    expect(await totp.findTOTPTimeStep({ secret: rfcSecret, code, now: at(59 + 60) })).toBeNull();
    expect(await totp.findTOTPTimeStep({ secret: rfcSecret, code, now: at(59 - 60) })).toBeNull();
    expect(await totp.findTOTPTimeStep({ secret: rfcSecret, code: "287083", now: at(59) })).toBeNull();
  });

  it("makes 160-bit base32 secrets that do not repeat", () => {
    const secrets = new Set(Array.from({ length: 100 }, () => totp.generateTOTPSecret()));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it("writes the otpauth URI authenticator apps read: issuer, account, SHA1, 6 digits, 30 s", () => {
    const url = new URL(totp.createOtpauthURL({ secret: rfcSecret, accountName: "ada@example.com" }));
    expect(url.protocol).toBe("otpauth:");
    expect(decodeURIComponent(url.pathname)).toMatch(/SuperOAuth:ada@example\.com$/);
    expect(url.searchParams.get("secret")).toBe(rfcSecret);
    expect(url.searchParams.get("issuer")).toBe("SuperOAuth");
    expect(url.searchParams.get("algorithm") ?? "SHA1").toBe("SHA1");
    expect(url.searchParams.get("digits") ?? "6").toBe("6");
    expect(url.searchParams.get("period") ?? "30").toBe("30");
  });

  it("renders the URI as a PNG data URL", async () => {
    const image = await totp.renderQRCode("otpauth://totp/SuperOAuth:ada?secret=ABC");
    expect(image).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  });
});
