import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
  type RawBuilder,
  type SchemaModule,
  SqliteAdapter,
  sql,
} from "kysely";

// Not a migration: the few things the migrations spell differently on MySQL and on SQLite. Every
// migration written before SQLite support keeps its MySQL statements exactly (existing databases
// must migrate unchanged) and asks this helper only for its SQLite branch.

/** A foreign key as both databases declare it. */
export interface ForeignKey {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly references: string;
  readonly referencedColumns: readonly string[];
}

/** The database a migration runs on, and its spelling of what differs. */
export interface SchemaDialect {
  readonly sqlite: boolean;
  /**
   * A column type: the given MySQL type (with its character set and collation) on MySQL; TEXT on
   * SQLite, whose default BINARY collation compares byte for byte as `*_bin` does, and which
   * ignores lengths.
   */
  type(mysqlType: RawBuilder<unknown>): RawBuilder<unknown>;
  /** MySQL's table options (engine, character set); SQLite has none. */
  withTableOptions(
    options: Expression<unknown>,
  ): <TB extends string, C extends string>(table: CreateTableBuilder<TB, C>) => CreateTableBuilder<TB, C>;
  /** The key `<table>_<column>_fk` from `column` to `references(id)`, as every migration names it. */
  foreignKey(input: { table: string; column: string; references: string }): ForeignKey;
  /**
   * SQLite cannot add a foreign key to an existing table, so it declares it in CREATE TABLE
   * (a no-op on MySQL, which adds it after its index with addForeignKey).
   */
  withForeignKey(
    key: ForeignKey,
  ): <TB extends string, C extends string>(table: CreateTableBuilder<TB, C>) => CreateTableBuilder<TB, C>;
  /**
   * The NOT NULL of a column added to an existing table: SQLite adds such a column only with a
   * default, so there it also gets `fill` (which the rows then present take); MySQL's statement is
   * unchanged.
   */
  addedNotNull(fill: string): (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** Adds a foreign key (ON DELETE CASCADE) to an existing table on MySQL; a no-op on SQLite (see withForeignKey). */
  addForeignKey(key: ForeignKey): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> (see their up()).
export function schemaDialect(db: Kysely<any>): SchemaDialect {
  // Asked of the executor's adapter: the node:sqlite dialect uses Kysely's SqliteAdapter.
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const schema: SchemaModule = db.schema;
  return {
    sqlite,
    type: (mysqlType) => (sqlite ? sql`text` : mysqlType),
    withTableOptions: (options) => (table) => (sqlite ? table : table.modifyEnd(options)),
    foreignKey: ({ table, column, references }) => ({
      table,
      name: `${table}_${column}_fk`,
      columns: [column],
      references,
      referencedColumns: ["id"],
    }),
    withForeignKey: (key) => (table) =>
      sqlite
        ? table.addForeignKeyConstraint(
            key.name,
            [...key.columns] as never[],
            key.references,
            [...key.referencedColumns],
            (fk) => fk.onDelete("cascade"),
          )
        : table,
    addedNotNull: (fill) => (column) => (sqlite ? column.notNull().defaultTo(fill) : column.notNull()),
    async addForeignKey(key) {
      if (sqlite) return;
      await schema
        .alterTable(key.table)
        .addForeignKeyConstraint(
          key.name,
          [...key.columns],
          key.references,
          [...key.referencedColumns],
          (fk) => fk.onDelete("cascade"),
        )
        .execute();
    },
  };
}
