import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, watchFile } from "node:fs";
import { loadConfigOrExit } from "./load-config.ts";

// Prints the end of the service's log file (at most the last 64 KiB, from a whole line) and
// follows it, like `tail -f`. `--no-follow` prints and exits.
const config = loadConfigOrExit();
const file = config.logFile;
if (file === undefined || !existsSync(file)) {
  console.error(`No log file at ${file ?? "(LOG_FILE is empty)"}. Start the service with pnpm start first.`);
  process.exit(1);
}
const follow = !process.argv.includes("--no-follow");
const size = statSync(file).size;
let position = size;
const tail = Buffer.alloc(Math.min(size, 64 * 1024));
const descriptor = openSync(file, "r");
readSync(descriptor, tail, 0, tail.length, size - tail.length);
closeSync(descriptor);
// Unless the whole file fits, the first bytes are the end of a cut line: start after it.
const firstLine = tail.length === size ? 0 : tail.indexOf(10) + 1;
process.stdout.write(tail.subarray(firstLine));
if (follow) {
  watchFile(file, { interval: 500 }, (current) => {
    if (current.size < position) position = 0; // truncated or rotated
    if (current.size > position) {
      createReadStream(file, { start: position, end: current.size - 1 }).pipe(process.stdout, { end: false });
      position = current.size;
    }
  });
}
