import { Writable } from "node:stream";
import { createLogger, debugAreasOf } from "../src/logger.ts";

/** The service's logger (as main.ts makes it, at `level`, with `debug`'s areas), writing parsed lines to `lines`. */
export function capturingLogger(debug = "", level = "info") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    lines,
    logger: createLogger({ level, file: undefined, debug: debugAreasOf(debug), destination }),
  };
}
