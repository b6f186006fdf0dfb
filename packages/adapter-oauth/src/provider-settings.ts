/** One provider's OAuth client, as registered at the provider. */
export interface OAuthClientSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Must be registered at the provider exactly as written. */
  readonly redirectURI: string;
  readonly scopes: readonly string[];
}
