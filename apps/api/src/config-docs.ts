import { environmentVariables } from "./config.ts";

// `.env.example` and the README's configuration table are printed from the variables table, so
// a default or meaning is written once (config.ts); `pnpm config:docs` rewrites both, and
// config-docs.test.ts fails when either file is out of step.

/** The README's table sits between these two lines. */
export const readmeTableStart =
  "<!-- configuration table: pnpm config:docs writes it from apps/api/src/config.ts -->";
export const readmeTableEnd = "<!-- end of configuration table -->";

const header = `# SuperOAuth configuration. Copy to .env and uncomment what you change; real environment
# variables win over this file. \`pnpm config:validate\` checks it. Every variable, with its default
# (written by \`pnpm config:docs\` from apps/api/src/config.ts):
`;

/** The whole of `.env.example`. */
export function renderEnvExample(): string {
  const entries = Object.entries(environmentVariables).map(([name, variable]) =>
    variable.literalDefault
      ? `# ${variable.meaning}\n# ${name}=${variable.default}\n`
      : `# ${variable.meaning} (unset: ${variable.default})\n# ${name}=\n`,
  );
  return `${header}\n${entries.join("\n")}`;
}

/** The README's configuration table, markers included, its columns aligned as the formatter aligns them. */
export function renderReadmeTable(): string {
  const rows = Object.entries(environmentVariables).map(([name, variable]) => [
    `\`${name}\``,
    escapeCell(variable.literalDefault ? `\`${variable.default}\`` : `unset: ${variable.default}`),
    escapeCell(variable.meaning),
  ]);
  const header = ["Variable", "Default", "Meaning"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [
    readmeTableStart,
    "",
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
    "",
    readmeTableEnd,
  ].join("\n");
}

/** `README.md` with its configuration table replaced by the current one. */
export function withReadmeTable(readme: string): string {
  const start = readme.indexOf(readmeTableStart);
  const end = readme.indexOf(readmeTableEnd);
  if (start === -1 || end === -1) throw new Error("README.md has no configuration table markers");
  return readme.slice(0, start) + renderReadmeTable() + readme.slice(end + readmeTableEnd.length);
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|");
}
