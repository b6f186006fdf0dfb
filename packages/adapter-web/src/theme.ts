/** How the hosted pages look in this deployment (BRAND_NAME, BRAND_LOGO_URL, BRAND_COLOR). */
export interface Theme {
  /** Shown in the header and every page title. */
  readonly name: string;
  /** An https URL or a path on this server; null: the name alone. */
  readonly logoURL: string | null;
  /** `#rgb` or `#rrggbb`: buttons, links and the focus ring. */
  readonly color: string;
  /**
   * Where a person asks for help (SUPPORT_URL): an https URL or a `mailto:` address, linked at the
   * foot of every page and where the pages send people to support (a lost 2FA device, a lock).
   */
  readonly supportURL?: string | null;
}

export const defaultTheme: Theme = { name: "SuperOAuth", logoURL: null, color: "#1f5fbf" };

const hexColor = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** Whether a configured color is one the theme accepts (a hex color, nothing a stylesheet could run). */
export function isHexColor(value: string): boolean {
  return hexColor.test(value);
}

/**
 * Whether a configured logo URL is one the pages may show: https, or a path on this server (the
 * CSP allows images from 'self' and https: only). Never `javascript:`, `data:` or a
 * protocol-relative `//host` (which would take the page's scheme).
 */
export function isLogoURL(value: string): boolean {
  if (value.startsWith("/")) return !value.startsWith("//") && !value.startsWith("/\\");
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/** Whether a configured support address is one the pages may link: https or `mailto:`, nothing a link could run. */
export function isSupportURL(value: string): boolean {
  try {
    const protocol = new URL(value).protocol;
    return protocol === "https:" || (protocol === "mailto:" && value.length > "mailto:".length);
  } catch {
    return false;
  }
}

function channels(color: string): [number, number, number] {
  const digits = color.slice(1);
  const full = digits.length === 3 ? [...digits].map((digit) => digit + digit).join("") : digits;
  return [0, 2, 4].map((at) => Number.parseInt(full.slice(at, at + 2), 16)) as [number, number, number];
}

/** WCAG 2.2 relative luminance of a hex color. */
function luminance(color: string): number {
  const [r, g, b] = channels(color).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two hex colors (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The text color on a brand-colored button: white or black, whichever contrasts more. One of the
 * two always reaches at least 4.58:1 (the worst case is a luminance of about 0.18), so any
 * configured color keeps button labels readable (WCAG 1.4.3 asks 4.5:1).
 */
export function textColorOn(background: string): string {
  return contrastRatio(background, "#ffffff") >= contrastRatio(background, "#000000") ? "#ffffff" : "#000000";
}

/**
 * The brand color for links and outlines on the white page: the configured one when it contrasts
 * at least 4.5:1 with white, otherwise a dark neutral, so a pale brand color cannot make links unreadable.
 */
export function linkColorFor(color: string): string {
  return contrastRatio(color, "#ffffff") >= 4.5 ? color : "#1a1a1a";
}

/** The theme's stylesheet: custom properties only, served as a hashed file (no inline style under the CSP). */
export function themeStylesheet(theme: Theme): string {
  return `:root {\n  --brand: ${theme.color};\n  --on-brand: ${textColorOn(theme.color)};\n  --link: ${linkColorFor(theme.color)};\n}\n`;
}

/**
 * The pages' icon (the browser's tab and bookmarks): a padlock in the brand's colour, so every page
 * names one and no browser asks for a `/favicon.ico` that is not there.
 */
export function themeIcon(theme: Theme): string {
  const on = textColorOn(theme.color);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="${theme.color}"/><path d="M11 14v-3a5 5 0 0 1 10 0v3" fill="none" stroke="${on}" stroke-width="2.5"/><rect x="8" y="14" width="16" height="12" rx="2" fill="${on}"/></svg>\n`;
}
