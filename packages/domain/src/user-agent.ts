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
  // Not a browser we know: an HTTP library or tool we know by name, else "An app". Never the header's
  // own words: a mail signed with the brand would quote a sender's message ("Reply-with-your-password",
  // "visit https://... to keep your account"), and a dot or a colon is what a mail program links.
  const product = userAgent.trim().split(/[\s/]/, 1)[0]?.toLowerCase() ?? "";
  return knownClients.get(product) ?? "An app";
}

/** HTTP clients that name themselves in their User-Agent's first product token, lower-cased. */
const knownClients: ReadonlyMap<string, string> = new Map([
  ["curl", "curl"],
  ["wget", "Wget"],
  ["okhttp", "okhttp"],
  ["python-requests", "python-requests"],
  ["python-urllib", "Python urllib"],
  ["aiohttp", "aiohttp"],
  ["httpx", "httpx"],
  ["axios", "axios"],
  ["node-fetch", "node-fetch"],
  ["undici", "Node.js"],
  ["node", "Node.js"],
  ["go-http-client", "Go"],
  ["java", "Java"],
  ["apache-httpclient", "Apache HttpClient"],
  ["dalvik", "An Android app"],
  ["cfnetwork", "An Apple app"],
  ["dart", "Dart"],
  ["postmanruntime", "Postman"],
  ["insomnia", "Insomnia"],
  ["httpie", "HTTPie"],
  ["superoauth-client", "SuperOAuth client"],
]);
