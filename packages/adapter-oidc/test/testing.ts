// What other packages' tests use of this package's test helpers (`@superoauth/adapter-oidc/testing`).

/** The store's model of an app signed in to within a session (ADR 0073), for tests that read the table. */
export { signedInAppsModel } from "../src/backchannel-logout.ts";
export { BrowserAgent, hiddenInput, locationOf } from "./browser-agent.ts";
export {
  backchannelLogoutEvent,
  type LogoutEndpoint,
  type ReceivedLogoutToken,
  startLogoutEndpoint,
  verifyLogoutToken,
} from "./logout-endpoint.ts";
