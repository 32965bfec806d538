/**
 * Read-only queries built and compiled once per database handle, then run
 * with new parameter values through the direct reader (db/database.ts):
 * what runs on every request (Basic auth) pays neither Kysely's query
 * building nor its compilation again, and the database parses and plans it
 * once per connection (SQLite: prepared on the read-only connection;
 * PostgreSQL: a named prepared statement). Placeholders are marker values;
 * compiling once tells which parameter slot each fills. Never for writes.
 */
import type { CompiledQuery, Compilable } from 'kysely';
import { directReaderOf, type Db, type DirectReader } from './database.js';

const MARKER = '\u0000sesame-parameter-';

type Build<Name extends string, Row> = (db: Db, placeholders: Record<Name, string>) => Compilable<Row>;
type Run<Name extends string, Result> = (db: Db, values: Record<Name, unknown>) => Result;

/** Compiles `build` once per handle; the returned function runs it through `read` with the values in their slots. */
function compiledOnce<Name extends string, Row, Result>(
  names: readonly Name[],
  build: Build<Name, Row>,
  read: (reader: DirectReader, sql: string, parameters: unknown[]) => Result,
): Run<Name, Result> {
  const compiled = new WeakMap<Db, { query: CompiledQuery<Row>; slots: (Name | null)[] }>();
  const placeholders = Object.fromEntries(names.map((name) => [name, `${MARKER}${name}`])) as Record<Name, string>;
  return (db, values) => {
    let entry = compiled.get(db);
    if (!entry) {
      const query = build(db, placeholders).compile();
      const slots = query.parameters.map((parameter) =>
        typeof parameter === 'string' && parameter.startsWith(MARKER) ? (parameter.slice(MARKER.length) as Name) : null,
      );
      entry = { query, slots };
      compiled.set(db, entry);
    }
    const { query, slots } = entry;
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : values[slot]));
    return read(directReaderOf(db), query.sql, parameters);
  };
}

/** `build` receives one placeholder per argument name and must use each as a plain value. */
export function preparedQuery<Name extends string, Row>(
  names: readonly Name[],
  build: Build<Name, Row>,
): Run<Name, Promise<Row[]>> {
  return compiledOnce(names, build, async (reader, sql, parameters) => (await reader.rows(sql, parameters)) as Row[]);
}

/** A query of one column and at most one row: its value, or undefined without a row. */
export function preparedValue<Name extends string, Row>(
  names: readonly Name[],
  build: Build<Name, Row>,
): Run<Name, Promise<unknown>> {
  return compiledOnce(names, build, async (reader, sql, parameters) => reader.value(sql, parameters));
}
