export type { PageAssets } from "./assets.ts";
export type { BrowserSessionOptions, HostedBrowserSessions } from "./browser-sessions.ts";
export { browserSessionCookieName, createBrowserSessions } from "./browser-sessions.ts";
export type {
  BrowserSessions,
  InteractionClient,
  InteractionDetails,
  Interactions,
  ProviderPages,
} from "./contracts.ts";
export type { CookieSettings } from "./cookies.ts";
export type { HostedPagesOptions } from "./hosted-pages.ts";
export { createHostedPages } from "./hosted-pages.ts";
export { createProviderPages } from "./provider-pages.ts";
export { contentSecurityPolicy, pageHeaders } from "./security-headers.ts";
export type { Theme } from "./theme.ts";
export { defaultTheme, isHexColor, isLogoURL } from "./theme.ts";
