export type { AccessTokenKeys, AccessTokenSettings, JWTAccessTokenIssuer } from "./access-token-issuer.ts";
export { createJWTAccessTokenIssuer } from "./access-token-issuer.ts";
export type { MFATokenSettings } from "./mfa-token-issuer.ts";
export { createJWTMFATokenIssuer } from "./mfa-token-issuer.ts";
export { createJoseSigningKeyGenerator } from "./signing-key-generator.ts";
