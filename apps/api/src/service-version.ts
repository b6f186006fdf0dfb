import { readFileSync } from "node:fs";

/** The service's version, as its package names it (the API description's `info.version`, an instance's release). */
export const serviceVersion: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
