import type { TOTPService } from "@superoauth/application";
import { totpDigits, totpPeriodSeconds, totpTimeStepAt } from "@superoauth/domain";
import { generate, generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";

/** Settings of the TOTP adapter. */
export interface TOTPSettings {
  /** The name authenticator apps show above the account (TOTP_ISSUER). */
  readonly issuer: string;
}

// Authenticator apps expect exactly these (RFC 6238 defaults, Google Authenticator's key URI format).
const algorithm = "sha1";
// 20 bytes (160 bits), the HMAC-SHA-1 block-size recommendation of RFC 4226 section 4.
const secretBytes = 20;

/**
 * TOTP with otplib: SHA-1, 6 digits, 30-second steps. A code is looked for in
 * the current step and one step either side, each checked by otplib in
 * constant time; the matching step is returned for replay protection.
 */
export function createOTPLibTOTPService(settings: TOTPSettings): TOTPService {
  return {
    generateTOTPSecret: () => generateSecret({ length: secretBytes }),

    createOtpauthURL: ({ secret, accountName }) =>
      generateURI({
        issuer: settings.issuer,
        label: accountName,
        secret,
        algorithm,
        digits: totpDigits,
        period: totpPeriodSeconds,
      }),

    renderQRCode: (otpauthURL) => QRCode.toDataURL(otpauthURL, { errorCorrectionLevel: "M", margin: 2 }),

    async findTOTPTimeStep({ secret, code, now }) {
      const current = totpTimeStepAt(now);
      for (const step of [current, current - 1, current + 1].filter((s) => s >= 0)) {
        const result = await verify({
          secret,
          token: code,
          algorithm,
          digits: totpDigits,
          period: totpPeriodSeconds,
          epoch: step * totpPeriodSeconds,
          epochTolerance: 0,
        });
        if (result.valid) return step;
      }
      return null;
    },
  };
}

/** The code an authenticator app shows for `secret` at `now` (for tests and tools; the service never needs it). */
export function generateTOTPCode(input: { secret: string; now: Date }): Promise<string> {
  return generate({
    secret: input.secret,
    algorithm,
    digits: totpDigits,
    period: totpPeriodSeconds,
    epoch: Math.floor(input.now.getTime() / 1000),
  });
}
