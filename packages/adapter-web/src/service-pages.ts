import { utcText } from "@superoauth/domain";
import { loadPageAssets } from "./assets.ts";
import type { ServiceHealth, ServicePages } from "./contracts.ts";
import { pageHeaders } from "./security-headers.ts";
import { defaultTheme, type Theme } from "./theme.ts";
import { createViews } from "./views.ts";

const words: Readonly<Record<ServiceHealth, string>> = {
  up: "Operational",
  degraded: "Degraded",
  down: "Down",
};
const headlines: Readonly<Record<ServiceHealth, string>> = {
  up: "All systems operational",
  degraded: "Some systems are degraded",
  down: "The service is down",
};

/** `2026-12-03T07:36:18.495Z` as a person reads it (and a screen reader speaks it): `2026-12-03 07:36:18 UTC`. */
function readableTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : utcText(date, "second");
}

/**
 * The public status page and the 404 page, in the hosted pages' layout and theme (BRAND_NAME,
 * logo and colour): server-rendered, no script, every value escaped by the templates. The status
 * page does not reload itself: a timed refresh moves the page under a reader, which WCAG 2.2.1 and
 * axe's meta-refresh rule forbid.
 */
export function createServicePages(input: { theme?: Theme } = {}): ServicePages {
  const theme = input.theme ?? defaultTheme;
  const views = createViews({ theme, assets: loadPageAssets(theme) });
  return {
    headers: pageHeaders(),
    status: (status) =>
      views.page("status", {
        title: "Service status",
        overall: status.status,
        headline: headlines[status.status],
        maintenanceNotice: status.notice,
        components: status.components.map((component) => ({
          label: component.label,
          status: component.status,
          word: words[component.status],
        })),
        updatedAt: status.updatedAt,
        updatedText: readableTime(status.updatedAt),
      }),
    notFound: () => views.page("not-found", { title: "Page not found" }),
  };
}
