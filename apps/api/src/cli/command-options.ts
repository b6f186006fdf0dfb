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
