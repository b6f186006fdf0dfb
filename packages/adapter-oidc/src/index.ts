export { createOIDCAdapter } from "./oidc-adapter.ts";
export { createThirdPartyAccessTokens } from "./third-party-access-tokens.ts";
