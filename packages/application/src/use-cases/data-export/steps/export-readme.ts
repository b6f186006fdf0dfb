import { exportSections } from "./export-sections.ts";

/** The name of the archive's explanation, written after the sections and listed in the manifest. */
export const exportReadmeFile = "README.txt";

/**
 * README.txt of an export: what the archive is, how to read its times and ids, a paragraph per
 * file (each section's own `explanation`, so a new section is explained where it is written), what
 * is never in it, and how to check it. Plain text wrapped at 78 columns: read in any editor.
 */
export function exportReadme(brand: string): string {
  const paragraphs = [
    `This is a copy of the data ${brand} holds about your account, made when you asked for it. Each .json file is plain text (JSON) that any text editor opens.`,
    'Times are in UTC, written as 2026-12-06T20:15:39.096Z: the date, "T", the time, and "Z" for UTC. An "id" is the number the service gives a record (your account, a session, a log entry, an export) to tell it from others; it means nothing else.',
    ...exportSections.map((section) => `${section.file}: ${section.explanation}`),
    "Never in it: your password, your two-step verification secret and backup codes, and the keys of your sessions and mailed links. The service keeps the password, codes and keys only as scrambled forms (hashes) it cannot turn back, and the two-step secret encrypted; none of them is in this copy.",
    "manifest.json and SHA256SUMS list a checksum of each file, so you can see nothing was changed: in this folder, run sha256sum -c SHA256SUMS (each file should say OK). manifest.json also names your account's id and when the copy was asked for and made.",
  ];
  return `${paragraphs.map(wrap).join("\n\n")}\n`;
}

function wrap(paragraph: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of paragraph.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > 78) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}
