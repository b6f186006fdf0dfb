import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/**
 * A command's options, `--help` (`-h`) added: help prints the usage and exits 0; an option the
 * command does not take, or a positional, prints the problem and the usage and exits
 * `refusedExitCode`. Both happen before the command touches anything (asking how `db:migrate`
 * works must never migrate a database).
 */
export function commandOptions<T extends ParseArgsOptionsConfig>(input: {
  usage: string;
  options: T;
  args?: string[];
  refusedExitCode: number;
}) {
  endQuietlyWhenTheReaderGoes();
  try {
    const { values } = parseArgs({
      ...(input.args === undefined ? {} : { args: input.args }),
      options: { ...input.options, help: { type: "boolean", short: "h" } },
      allowPositionals: false,
      strict: true,
    });
    if ((values as { help?: boolean }).help === true) {
      console.log(input.usage);
      process.exit(0);
    }
    return values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${input.usage}`);
    process.exit(input.refusedExitCode);
  }
}

/**
 * `pnpm db:status | head`: once the reader has gone there is nothing left to print to, so the
 * command ends with 0 rather than with Node's EPIPE stack. Every command calls it (commandOptions
 * does; `pnpm logs` and `pnpm db:copy`, which read their own options, call it themselves).
 */
export function endQuietlyWhenTheReaderGoes(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}
