import { utcText } from "@superoauth/domain";
import type { ServiceStatus } from "../routes/status.ts";

// The public status page: server-rendered, no script, every value escaped. It does not reload
// itself: a timed refresh moves the page under a reader, which WCAG 2.2.1 and axe's meta-refresh
// rule forbid. It uses the account
// pages' stylesheet for the same look; kept self-contained so it moves onto the hosted pages'
// templates (adapter-web) as one template.

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

const words = { up: "Operational", degraded: "Degraded", down: "Down" } as const;
const headline = {
  up: "All systems operational",
  degraded: "Some systems are degraded",
  down: "The service is down",
} as const;
/** The account stylesheet's classes: green for working, red for not. */
const classOf = { up: "ok", degraded: "error", down: "error" } as const;

/** The page for a status. */
export function renderStatusPage(status: ServiceStatus, brandName: string): string {
  const rows = status.components
    .map(
      (c) =>
        `<tr><th scope="row">${escapeHTML(c.label)}</th><td class="${classOf[c.status]}">${words[c.status]}</td></tr>`,
    )
    .join("\n");
  const notice =
    status.notice === null
      ? ""
      : `<p role="note"><strong>Notice:</strong> ${escapeHTML(status.notice)}</p>\n`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Status · ${escapeHTML(brandName)}</title>
<link rel="stylesheet" href="/assets/account.css">
</head>
<body data-page="status">
<main>
<h1>Status</h1>
${notice}<p class="${classOf[status.status]}">${headline[status.status]}</p>
<table>
<caption>Components</caption>
<tbody>
${rows}
</tbody>
</table>
<p>Updated <time datetime="${escapeHTML(status.updatedAt)}">${escapeHTML(readableTime(status.updatedAt))}</time>; reload the page for the latest. As JSON: <a href="/status.json">/status.json</a>.</p>
<p><a href="/account">Your account</a></p>
</main>
</body>
</html>
`;
}

/** `2026-12-03T07:36:18.495Z` as a person reads it (and a screen reader speaks it): `2026-12-03 07:36:18 UTC`. */
function readableTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : utcText(date, "second");
}
