import { describe, expect, it } from "vitest";
import type { ServiceStatusView } from "./contracts.ts";
import { pageHeaders } from "./security-headers.ts";
import { createServicePages } from "./service-pages.ts";

const pages = createServicePages({
  theme: { name: "Acme <ID>", logoURL: "https://cdn.example/l.svg", color: "#0a0" },
});
const degraded: ServiceStatusView = {
  status: "degraded",
  updatedAt: "2026-12-03T07:36:18.495Z",
  notice: "Upgrade on Sunday <b>02:00</b> UTC",
  components: [
    { name: "api", label: "API", status: "up" },
    { name: "database", label: "Database", status: "up" },
    { name: "mail", label: "Mail", status: "down" },
    { name: "github", label: "Sign-in with GitHub", status: "up" },
  ],
};

describe("the status page", () => {
  it("shows each part's state in words, the notice escaped, and when it was checked as a person reads it", () => {
    const html = pages.status(degraded);
    expect(html).toContain("<title>Service status · Acme &lt;ID&gt;</title>");
    expect(html).toContain('<img class="logo" src="https://cdn.example/l.svg"');
    expect(html).toMatch(/<main id="main"[^>]*>\s*<h1>Service status<\/h1>/);
    expect(html).toContain(
      '<p class="lead status-degraded" id="overall-status">Some systems are degraded</p>',
    );
    expect(html).toContain('<th scope="row">API</th><td class="status-up">Operational</td>');
    expect(html).toContain('<th scope="row">Mail</th><td class="status-down">Down</td>');
    expect(html).toContain('<th scope="row">Sign-in with GitHub</th><td class="status-up">Operational</td>');
    expect(html).toContain(
      '<p class="notice" role="note" id="maintenance-notice"><strong>Notice:</strong> Upgrade on Sunday &lt;b&gt;02:00&lt;/b&gt; UTC</p>',
    );
    expect(html).not.toContain("<b>02:00</b>");
    expect(html).toContain(
      'Updated <time datetime="2026-12-03T07:36:18.495Z">2026-12-03 07:36:18 UTC</time>; reload the page for the latest.',
    );
    expect(html).toContain('<a href="/status.json">/status.json</a>');
    // No script, and no timed reload (axe's meta-refresh, WCAG 2.2.1).
    expect(html).not.toMatch(/<script/);
    expect(html).not.toMatch(/http-equiv="refresh"/);
  });

  it("says the service is down, and shows no notice when none is set", () => {
    const html = pages.status({
      ...degraded,
      status: "down",
      notice: null,
      components: [{ name: "database", label: "Database", status: "down" }],
    });
    expect(html).toContain('<p class="lead status-down" id="overall-status">The service is down</p>');
    expect(html).not.toContain("Notice:");
    expect(pages.status({ ...degraded, status: "up", notice: null })).toContain("All systems operational");
  });

  it("keeps a time it cannot read as it came", () => {
    expect(pages.status({ ...degraded, updatedAt: "not <a> time" })).toContain(
      '<time datetime="not &lt;a&gt; time">not &lt;a&gt; time</time>',
    );
  });
});

describe("the 404 page", () => {
  it("says there is nothing here and where to go instead, in the brand's look", () => {
    const html = pages.notFound();
    expect(html).toContain("<title>Page not found · Acme &lt;ID&gt;</title>");
    expect(html).toMatch(/<h1>Page not found<\/h1>\s*<p>There is nothing at this address.<\/p>/);
    expect(html).toContain('<a href="/account">Your account</a>');
    expect(html).toContain('<a href="/status">Service status</a>');
    expect(html).not.toMatch(/<script/);
  });
});

describe("the service pages' headers", () => {
  it("are the hosted pages' strictest: forms to this service only, no framing, no opener", () => {
    expect(pages.headers).toStrictEqual(pageHeaders());
    expect(pages.headers["content-security-policy"]).toContain("form-action 'self'");
    expect(pages.headers["cross-origin-opener-policy"]).toBe("same-origin");
  });
});
