export type { AccessTokenSettings } from "./access-token-issuer.ts";
export { createJWTAccessTokenIssuer } from "./access-token-issuer.ts";
