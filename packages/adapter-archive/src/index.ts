export { createLocalExportArchiveStore } from "./local-export-archive-store.ts";
