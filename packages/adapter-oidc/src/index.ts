export { clientMetadataOf } from "./client-metadata.ts";
export { createOIDCAdapter } from "./oidc-adapter.ts";
export type { OIDCProvider, ProviderOptions, ThirdPartyRefreshResult } from "./provider.ts";
export { createOIDCProvider } from "./provider.ts";
export type {
  BrowserSessions,
  Interactions,
  OIDCAccount,
  OIDCClientRecord,
  OIDCGrantRecords,
  OIDCSigningKeys,
  RecordedGrant,
} from "./provider-interfaces.ts";
export { defaultOIDCLifetimes, oidcClaimsByScope, oidcScopes } from "./provider-settings.ts";
export { createThirdPartyAccessTokens } from "./third-party-access-tokens.ts";
