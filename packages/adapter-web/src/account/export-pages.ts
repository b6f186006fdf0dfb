import { Readable } from "node:stream";
import { type DataExportSummary, dataExportDownloadHeaders, type UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { clientOf } from "../client.ts";
import type { PageContext, SignedInArea } from "../pages/signed-in-area.ts";
import { shownSize, shownTime } from "./present.ts";

const base = "/account/export";

const statusWords: Readonly<Record<DataExportSummary["status"], string>> = {
  pending: "Waiting to start",
  running: "Being prepared",
  ready: "Ready to download",
  failed: "Failed",
  expired: "Expired",
};

const exportIdOf = (page: PageContext): string =>
  String((page.request.params as Record<string, unknown>).id ?? "").slice(0, 64);

/**
 * What the page says of the export allowance: nothing while another export may start (the page
 * offers one), else when the next can start, in place of a button that would only be refused. A
 * refused request (429) says it already, as the page's error.
 */
const allowanceShown = (spent: { message: string } | null, shown: { status?: number }) => ({
  offer: spent === null && shown.status !== 429,
  spent: spent === null || shown.status === 429 ? null : spent.message,
});

/**
 * `/account/export`: request a copy of the account's data (one active export per person: asking
 * again shows the running one; five started a day, a failed one not counted, then the page says
 * when the next can start instead of offering one), follow it, download the archive (the API's
 * headers, the SHA-256 among them) and check it with `sha256sum` (docs/account-export.md).
 */
export function exportPages(app: FastifyInstance, area: SignedInArea, useCases: UseCases): void {
  const renderStatus = async (
    page: PageContext,
    summary: DataExportSummary,
    shown: { message?: string; status?: number } = {},
  ) => {
    // A failed or expired export offers a new one, unless the allowance is spent.
    const ended = summary.status === "failed" || summary.status === "expired";
    const spent = ended ? await useCases.getDataExportAllowance({ userId: page.signedIn.user.id }) : null;
    return page.render(
      "account/export-status",
      {
        title: "Your data export",
        section: "export",
        export: {
          id: summary.exportId,
          status: summary.status,
          statusWords: statusWords[summary.status],
          active: summary.status === "pending" || summary.status === "running",
          progress: summary.progress,
          recordsWritten: summary.recordsWritten,
          requestedAt: shownTime(summary.requestedAt),
          finishedAt: summary.finishedAt === null ? null : shownTime(summary.finishedAt),
          expiresAt: summary.expiresAt === null ? null : shownTime(summary.expiresAt),
          size: summary.sizeBytes === null ? null : shownSize(summary.sizeBytes),
          sizeBytes: summary.sizeBytes,
          sha256: summary.sha256,
          fileName: `superoauth-export-${summary.exportId}.zip`,
        },
        error: shown.message ?? null,
        ...allowanceShown(spent, shown),
      },
      { status: shown.status ?? 200 },
    );
  };

  const renderRequest = async (page: PageContext, shown: { message?: string; status?: number } = {}) => {
    // The person's earlier exports, so one requested last week can be found again here.
    const userId = page.signedIn.user.id;
    const [exports, spent] = await Promise.all([
      useCases.listDataExports({ userId }),
      useCases.getDataExportAllowance({ userId }),
    ]);
    return page.render(
      "account/export",
      {
        title: "Export your data",
        section: "export",
        error: shown.message ?? null,
        ...allowanceShown(spent, shown),
        exports: exports.map((summary) => ({
          href: `${base}/${summary.exportId}`,
          statusWords: statusWords[summary.status],
          requestedAt: shownTime(summary.requestedAt),
          expiresAt:
            summary.expiresAt === null || summary.status !== "ready" ? null : shownTime(summary.expiresAt),
        })),
      },
      { status: shown.status ?? 200 },
    );
  };

  area.page(app, "/export", {}, async (page) => renderRequest(page));

  area.action(app, "/export", {}, async (page) => {
    const result = await useCases.requestDataExport({
      session: page.signedIn.session,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      // The day's allowance is spent: the page says so, with its 429 and Retry-After.
      return renderRequest(page, page.failure(result));
    }
    const { export: summary, created } = result.value;
    return page.redirect(`${base}/${summary.exportId}`, created ? "export_requested" : "export_running");
  });

  area.page(app, "/export/:id", {}, async (page) => {
    const found = await useCases.getDataExport({ userId: page.signedIn.user.id, exportId: exportIdOf(page) });
    if (!found.ok) return renderRequest(page, page.failure(found));
    return renderStatus(page, found.value);
  });

  area.page(app, "/export/:id/download", {}, async (page) => {
    const userId = page.signedIn.user.id;
    const exportId = exportIdOf(page);
    const opened = await useCases.openDataExportArchive({ userId, exportId, client: clientOf(page.request) });
    if (opened.ok) {
      return page.reply
        .headers(dataExportDownloadHeaders(opened.value))
        .send(Readable.from(opened.value.content));
    }
    const failure = page.failure(opened);
    const found = await useCases.getDataExport({ userId, exportId });
    return found.ok ? renderStatus(page, found.value, failure) : renderRequest(page, failure);
  });
}
