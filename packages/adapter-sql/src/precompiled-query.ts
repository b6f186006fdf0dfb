import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from "kysely";
import type { Database } from "./database.ts";

/**
 * A query of a hot path whose SQL is compiled once, at its first call, and then executed with
 * each call's values: Kysely builds and compiles a query's operation tree on every execution
 * (about 80 µs of the server's CPU for `/auth/me`'s statement, 13 % of the request in the MySQL
 * profile; about a tenth of the token endpoint's, docs/performance.md), and its text never
 * changes, only the values bound to it. Kysely has no API for this. `build` is called once with a
 * marker in place of each named value (a string, whatever the value's type: `build` must only bind
 * its values, never read them), and the compiled parameters say where each goes; any other
 * parameter is a constant of the query and is kept as it is. The query must depend on its values
 * only through parameters (no value that changes the SQL text, such as an IN list's length or a
 * null compared with `is`): the first call checks that each named value was bound at least once,
 * and that its values name nothing `names` left out (a column left out of an insert would be
 * dropped from it without a word: Kysely leaves out an undefined value).
 * Values are bound as the driver binds any parameter (a Date as the dialect stores it).
 */
export function precompileQuery<Values extends Record<string, unknown>, Row>(
  db: Kysely<Database>,
  names: readonly (keyof Values & string)[],
  build: (values: Values) => Compilable<Row>,
): (values: Values) => Promise<QueryResult<Row>> {
  type Name = keyof Values & string;
  let compiled: { sql: string; parameters: readonly ({ name: Name } | { constant: unknown })[] } | undefined;
  return async (values) => {
    if (compiled === undefined) {
      const unnamed = Object.keys(values).filter((key) => !names.includes(key as Name));
      if (unnamed.length > 0)
        throw new Error(`precompileQuery: ${unnamed.join(", ")} is given but not among the query's names`);
      const markers = Object.fromEntries(names.map((name) => [name, `\u0000precompiled ${name}\u0000`]));
      const query = build(markers as Values).compile();
      const parameters = query.parameters.map((parameter) => {
        const name = names.find((candidate) => markers[candidate] === parameter);
        return name === undefined ? { constant: parameter } : { name };
      });
      for (const name of names) {
        if (!parameters.some((parameter) => "name" in parameter && parameter.name === name))
          throw new Error(`precompileQuery: ${name} is not bound to a parameter of the query`);
      }
      compiled = { sql: query.sql, parameters };
    }
    const bound = compiled.parameters.map((parameter) =>
      "name" in parameter ? values[parameter.name] : parameter.constant,
    );
    return db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, bound));
  };
}
