import { Readable } from "node:stream";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { type DataExportSummary, dataExportDownloadHeaders, type UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, successEnvelope } from "../schemas.ts";

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const exportFields = {
  exportId: Type.String(),
  status: Type.Union([
    Type.Literal("pending"),
    Type.Literal("running"),
    Type.Literal("ready"),
    Type.Literal("failed"),
    Type.Literal("expired"),
  ]),
  progress: Type.Integer(),
  recordsWritten: Type.Integer(),
  requestedAt: Type.String({ format: "date-time" }),
  finishedAt: nullable(Type.String({ format: "date-time" })),
  sizeBytes: nullable(Type.Integer()),
  sha256: nullable(Type.String()),
  expiresAt: nullable(Type.String({ format: "date-time" })),
};
const publicExport = Type.Object(exportFields);

function presentExport(summary: DataExportSummary) {
  return {
    ...summary,
    requestedAt: summary.requestedAt.toISOString(),
    finishedAt: summary.finishedAt?.toISOString() ?? null,
    expiresAt: summary.expiresAt?.toISOString() ?? null,
  };
}

/** The signed-in user's data exports (docs/account-export.md). */
export async function dataExportRoutes(app: FastifyInstance, options: { useCases: UseCases }): Promise<void> {
  const { useCases } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);
  const params = Type.Object({ id: boundedString(64) });

  api.post(
    "/user/export",
    {
      preValidation: authenticated,
      schema: {
        response: {
          202: successEnvelope(Type.Object({ ...exportFields, created: Type.Boolean() })),
          ...errorsOf(...bodyErrors, ...bearerErrors, "REAUTH_REQUIRED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.requestDataExport({
        session: authOf(request).session,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      const { export: summary, created } = result.value;
      // The export is built by the worker, away from this request: its lines name the export's id,
      // not the request's, so this line is what leads from the request's id to them.
      request.log.info({ exportId: summary.exportId, created }, "data export requested");
      return reply
        .code(202)
        .header("Location", `/api/v1/user/export/${summary.exportId}`)
        .send({ success: true, data: { ...presentExport(summary), created } });
    },
  );

  api.get(
    "/user/export",
    {
      preValidation: authenticated,
      schema: {
        response: {
          200: successEnvelope(Type.Object({ exports: Type.Array(publicExport) })),
          ...errorsOf(...bearerErrors),
        },
      },
    },
    async (request, reply) => {
      const exports = await useCases.listDataExports({ userId: authOf(request).user.id });
      return reply.send({ success: true, data: { exports: exports.map(presentExport) } });
    },
  );

  api.get(
    "/user/export/:id",
    {
      preValidation: authenticated,
      schema: {
        params,
        response: {
          200: successEnvelope(publicExport),
          ...errorsOf(...inputErrors, ...bearerErrors, "EXPORT_NOT_FOUND"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.getDataExport({
        userId: authOf(request).user.id,
        exportId: request.params.id,
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: presentExport(result.value) });
    },
  );

  // Untyped replies: the success is a byte stream, which no response schema describes.
  app.get(
    "/user/export/:id/download",
    {
      preValidation: authenticated,
      schema: {
        params,
        response: {
          200: {
            description: "The archive itself, as an attachment (`Content-Disposition` names the file).",
            content: { "application/zip": { schema: { type: "string", format: "binary" } } },
          },
          ...errorsOf(
            ...inputErrors,
            ...bearerErrors,
            "EXPORT_NOT_FOUND",
            "EXPORT_NOT_READY",
            "EXPORT_EXPIRED",
          ),
        },
      },
    },
    async (request, reply) => {
      // Validated by the params schema above.
      const { id } = request.params as { id: string };
      const result = await useCases.openDataExportArchive({
        userId: authOf(request).user.id,
        exportId: id,
        client: clientOf(request),
      });
      if (!result.ok) return sendFailure(reply, result);
      const archive = result.value;
      return reply.headers(dataExportDownloadHeaders(archive)).send(Readable.from(archive.content));
    },
  );
}
