export { createOIDCAdapter } from "./oidc-adapter.ts";
