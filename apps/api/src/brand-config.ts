// The theme module alone: the CLI reads this configuration too, and must not load the page server.
import { defaultTheme, isHexColor, isLogoURL, isSupportURL, type Theme } from "@superoauth/adapter-web/theme";
import { optional, type Reading, text, type ValuesOf, withDefault } from "./variables.ts";

/**
 * The look of the hosted pages (sign-in, consent, the provider's own pages): BRAND_NAME,
 * BRAND_LOGO_URL, BRAND_COLOR; and SUPPORT_URL, where they send a person who needs help.
 */
export const brandVariables = {
  BRAND_NAME: withDefault({
    default: defaultTheme.name,
    meaning:
      "Name shown in the header and title of every hosted page, and the name the mails give the service and sign with",
    parse: text({ pattern: /^[^\p{Cc}]{1,64}$/u, expected: "1 to 64 characters without control characters" }),
  }),
  BRAND_LOGO_URL: optional({
    unset: "no logo, the name alone",
    meaning: "Logo of the hosted pages: an `https://` URL or a path on this server (`/logo.svg`)",
    parse: (value): Reading<string> =>
      isLogoURL(value) ? { value } : { problem: "must be an https:// URL or a path starting with /" },
  }),
  BRAND_COLOR: withDefault({
    default: defaultTheme.color,
    meaning:
      "Color of buttons and links on the hosted pages (`#rgb` or `#rrggbb`); labels switch to black or white for contrast",
    parse: (value): Reading<string> =>
      isHexColor(value) ? { value } : { problem: "must be a hex color such as #1f5fbf" },
  }),
  SUPPORT_URL: optional({
    unset: "no support link: the pages tell a person to ask the team that runs the service",
    meaning:
      "Where people ask for help (a lost 2FA device, a lock that persists): an `https://` URL or a `mailto:` address, linked at the foot of every hosted page and of every mail",
    parse: (value): Reading<string> =>
      isSupportURL(value) ? { value } : { problem: "must be an https:// URL or a mailto: address" },
  }),
};

/** The theme the configuration describes. */
export function parseBrandConfig(e: ValuesOf<typeof brandVariables>): Theme {
  return {
    name: e.BRAND_NAME,
    logoURL: e.BRAND_LOGO_URL ?? null,
    color: e.BRAND_COLOR,
    supportURL: e.SUPPORT_URL ?? null,
  };
}
