import { escapeHTML } from "./status-page.ts";

// The page a person's browser gets at an address with nothing there (GET / included), instead of
// the API's JSON envelope: server-rendered, no script, and where to go instead. Sent with the
// pages' headers (pageSecurityHeaders), as the status page is.

/** Whether a request that found no route came from a person's browser, outside the API and the provider. */
export function wantsPage(accept: string | undefined, path: string): boolean {
  if (path.startsWith("/api/") || path.startsWith("/oidc/") || path.startsWith("/.well-known/")) return false;
  return (accept ?? "").includes("text/html");
}

/** The 404 page a browser gets at an address with nothing there: where to go instead. */
export function renderNotFoundPage(brandName: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page not found · ${escapeHTML(brandName)}</title>
<link rel="stylesheet" href="/assets/account.css">
</head>
<body>
<main>
<h1>Page not found</h1>
<p>There is nothing at this address.</p>
<p><a href="/account">Your account</a> · <a href="/status">Service status</a> · <a href="/docs">API reference</a></p>
</main>
</body>
</html>
`;
}
