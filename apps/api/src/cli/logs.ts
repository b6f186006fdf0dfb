import { createReadStream, existsSync, statSync, watchFile } from "node:fs";
import { loadConfigOrExit } from "./load-config.ts";

// Prints the service's log file and follows it, like `tail -n 100 -f`.
const config = loadConfigOrExit();
const file = config.logFile;
if (file === undefined || !existsSync(file)) {
  console.error(`No log file at ${file ?? "(LOG_FILE is empty)"}. Start the service with pnpm start first.`);
  process.exit(1);
}
const follow = !process.argv.includes("--no-follow");
const size = statSync(file).size;
const start = Math.max(0, size - 64 * 1024);
let position = size;
createReadStream(file, { start, end: Math.max(start, size - 1) }).pipe(process.stdout);
if (follow) {
  watchFile(file, { interval: 500 }, (current) => {
    if (current.size < position) position = 0; // truncated or rotated
    if (current.size > position) {
      createReadStream(file, { start: position, end: current.size - 1 }).pipe(process.stdout, { end: false });
      position = current.size;
    }
  });
}
