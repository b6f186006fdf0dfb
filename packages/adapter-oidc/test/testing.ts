// What other packages' tests use of this package's test helpers (`@superoauth/adapter-oidc/testing`).
export { BrowserAgent, hiddenInput, locationOf } from "./browser-agent.ts";
export {
  backchannelLogoutEvent,
  type LogoutEndpoint,
  type ReceivedLogoutToken,
  startLogoutEndpoint,
  verifyLogoutToken,
} from "./logout-endpoint.ts";
