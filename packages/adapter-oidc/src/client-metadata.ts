import { isNativeApp } from "@superoauth/domain";
import type { AdapterPayload } from "oidc-provider";
import type { OIDCClientRecord } from "./provider-interfaces.ts";

/** The device authorization grant (RFC 8628 §3.4). */
export const deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * An app from our apps table as oidc-provider's client metadata (what `Client.find` builds a
 * Client from). `client_secret` carries the stored SHA-256, never the secret: the provider's
 * `compareClientSecret` is replaced by our hasher's comparison (provider.ts), and nothing that
 * would need the plain secret (client_secret_jwt, HS* signatures, symmetric encryption) is enabled.
 */
export function clientMetadataOf(record: OIDCClientRecord): AdapterPayload {
  const confidential = record.type === "confidential" && record.secretHash !== null;
  // Every app has the refresh_token grant type; only an app whose scopes include offline_access can
  // be issued a refresh token (provider-settings.ts issues one only with that scope), because the
  // scope list below refuses offline_access to the others with invalid_scope. Without the grant
  // type the library would drop offline_access from the request silently instead (its
  // checkScope), and the app would not learn that it cannot have refresh tokens.
  const grantTypes = ["authorization_code", deviceCodeGrantType, "refresh_token"];
  // Client credentials authenticate the app alone: a public app cannot (RFC 6749 §4.4).
  if (confidential) grantTypes.push("client_credentials");
  return {
    client_id: record.clientId,
    client_name: record.name,
    ...(record.logoURL === null ? {} : { logo_uri: record.logoURL }),
    ...(record.homepageURL === null ? {} : { client_uri: record.homepageURL }),
    redirect_uris: [...record.redirectURIs],
    post_logout_redirect_uris: [...record.postLogoutRedirectURIs],
    // The scopes the app may ask for; the library drops any other requested scope.
    scope: record.allowedScopes.join(" "),
    grant_types: grantTypes,
    response_types: ["code"],
    // A public app redirecting to a private-use scheme, or to loopback only, is native (RFC 8252):
    // the library then takes those schemes (a web app's redirects are http and https only), takes
    // a loopback redirect on any port (section 7.3) and asks for consent on every authorization,
    // remembered or not (its native_client_prompt check; section 8.6). ADR 0020's addenda.
    application_type: isNativeApp(record) ? "native" : "web",
    id_token_signed_response_alg: record.idTokenSigningAlg,
    // Read by the provider's pkce.required (provider-settings.ts): a public app always must.
    require_pkce: !confidential || record.requirePKCE,
    // Back-Channel Logout 1.0 §2.2: every logout token and ID token of the app carries `sid`
    // (`backchannel_logout_session_required`), which it matches a logout token's against (ADR 0073).
    ...(record.backchannelLogoutURI === null
      ? {}
      : { backchannel_logout_uri: record.backchannelLogoutURI, backchannel_logout_session_required: true }),
    ...(confidential
      ? {
          token_endpoint_auth_method:
            record.tokenEndpointAuthMethod === "none"
              ? "client_secret_basic"
              : record.tokenEndpointAuthMethod,
          client_secret: record.secretHash ?? undefined,
        }
      : { token_endpoint_auth_method: "none" }),
  };
}
