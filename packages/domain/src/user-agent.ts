/**
 * A device in words ("Firefox on Linux") from its User-Agent header, for the sessions page and the
 * security notices' mails. A hint, not an identification: the header is whatever the client sent.
 * Order matters: Edge and Opera also claim Chrome, Chrome also claims Safari, every browser claims
 * Mozilla.
 */
const browsers: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\b(?:OPR|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(?:Firefox|FxiOS)\//, "Firefox"],
  [/(?:Chrome|Chromium|CriOS)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/^curl\//, "curl"],
];

const systems: readonly (readonly [RegExp, string])[] = [
  [/\b(?:iPhone|iPad|iPod)\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

const firstMatch = (table: readonly (readonly [RegExp, string])[], text: string): string | null =>
  table.find(([pattern]) => pattern.test(text))?.[1] ?? null;

export function describeUserAgent(userAgent: string | null): string {
  if (userAgent === null || userAgent.trim() === "") return "Unknown device";
  const browser = firstMatch(browsers, userAgent);
  const system = firstMatch(systems, userAgent);
  if (browser !== null && system !== null) return `${browser} on ${system}`;
  if (browser !== null) return browser;
  if (system !== null) return `A browser on ${system}`;
  // Not a browser we know (an app, a script): its product token, if it is a plain name. Never the
  // header as sent: a mail signed with the brand would quote a sender's words ("visit https://...
  // to keep your account"), and a dot or a colon is what a mail program turns into a link.
  const product = userAgent.trim().split(/[\s/]/, 1)[0] ?? "";
  return /^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(product) ? product : "Unknown device";
}
