// Run by process-memory-settings.test.ts in a process of its own, with the environment under
// test: hashes `HASHES` passwords with argon2id, two at a time (one per core on the project's
// machine), after a warm-up, and prints the process's minor page faults per hash as JSON.
import { readFileSync } from "node:fs";
import { createArgon2PasswordHasher } from "@superoauth/adapter-crypto";

const hashes = Number(process.env.HASHES ?? 20);
const hasher = createArgon2PasswordHasher();
const minorFaults = () => {
  const stat = readFileSync("/proc/self/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
};
const twoAtATime = async (count: number) => {
  for (let i = 0; i < count; i += 2) {
    await Promise.all([hasher.hashPassword(`password ${i}`), hasher.hashPassword(`password ${i + 1}`)]);
  }
};
await twoAtATime(4);
const before = minorFaults();
await twoAtATime(hashes);
console.log(JSON.stringify({ faultsPerHash: (minorFaults() - before) / hashes }));
