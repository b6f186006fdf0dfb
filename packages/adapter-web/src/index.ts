export type { AccountPagesOptions } from "./account/account-pages.ts";
export { createAccountPages } from "./account/account-pages.ts";
export { accountNav, accountNotices } from "./account/nav.ts";
export type { AdminPagesOptions } from "./admin/admin-pages.ts";
export { createAdminPages } from "./admin/admin-pages.ts";
export { adminNav, adminNotices } from "./admin/nav.ts";
export type { PageAssets } from "./assets.ts";
export type { BrowserSessionOptions, HostedBrowserSessions } from "./browser-sessions.ts";
export { browserSessionCookieName, createBrowserSessions } from "./browser-sessions.ts";
export type {
  BrowserSessions,
  Interactions,
  ProviderTrips,
  ServiceHealth,
  ServicePages,
  ServiceStatusView,
} from "./contracts.ts";
export type { CookieSettings } from "./cookies.ts";
export type { HostedPagesOptions } from "./hosted-pages.ts";
export { createHostedPages } from "./hosted-pages.ts";
export type { MailedLinkPagesOptions } from "./mailed-link-pages.ts";
export { createMailedLinkPages, tokenFromLink } from "./mailed-link-pages.ts";
export { formAccountOf } from "./pages/form-account.ts";
export type { PageHandler, PageKit, PageKitOptions } from "./pages/page-kit.ts";
export { createPageAssets, createPageKit, field } from "./pages/page-kit.ts";
export { failureOf, pageFailures, secondFactorProof } from "./pages/sign-in-steps.ts";
export type {
  NavItem,
  PageContext,
  PageContextHandler,
  SignedInArea,
  SignedInAreaOptions,
} from "./pages/signed-in-area.ts";
export { createSignedInArea, safeNext, withNext } from "./pages/signed-in-area.ts";
export { createProviderPages } from "./provider-pages.ts";
export { contentSecurityPolicy, pageHeaders } from "./security-headers.ts";
export { createServicePages } from "./service-pages.ts";
export type { Theme } from "./theme.ts";
export { defaultTheme, isHexColor, isLogoURL, isSupportURL } from "./theme.ts";
