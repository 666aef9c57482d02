import { createHash } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Em } from './orm.ts';

/**
 * SQL with bound parameters. MikroORM 7's `execute()` writes every value into the SQL text, so
 * PostgreSQL parses and plans each statement anew and no text ever repeats. Here values travel as
 * parameters (`$1`, `$2`...) through the ORM's own Kysely client, inside the ORM's transaction when
 * one is open, and errors come back as the ORM's exceptions (retry and translation keep working).
 *
 * A `Statement` made with `statement()` is also named: on PostgreSQL each connection prepares it once
 * and then only binds and executes it (see `preparedStatements` in db/orm.ts). Hot paths use those.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Statement texts by name; a name is bound to one text for the life of the process. */
const registry = new Map<string, string>();
/** Names by text, read by the connection hook that turns a query into a named one. */
const namesByText = new Map<string, string>();

export function statement(name: string, text: string): Statement {
  const known = registry.get(name);
  if (known !== undefined && known !== text) throw new Error(`statement ${name} is already defined with another text`);
  registry.set(name, text);
  namesByText.set(text, `gh_${name}`);
  return { name, text };
}

/**
 * A statement whose text is assembled from a few known shapes (a list with optional filters, say):
 * named after its text, so each shape is prepared once per connection. Never put values in the text.
 */
export function shaped(text: string): Statement {
  const known = namesByText.get(text);
  if (known) return { name: known.slice(3), text };
  return statement(`s${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text);
}

/** Collects bound parameters while a statement is assembled: `p.add(value)` answers `$n`. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The prepared-statement name of a registered text, if any. */
export function preparedNameOf(text: string): string | undefined {
  return namesByText.get(text);
}

type Sql = Statement | string;
const textOf = (sql: Sql) => (typeof sql === 'string' ? sql : sql.text);

async function run<T>(em: Em, sql: Sql, params: readonly unknown[]): Promise<{ rows: T[]; affected: number }> {
  try {
    const result = await em.getKysely().executeQuery<T>(CompiledQuery.raw(textOf(sql), [...params]));
    return { rows: result.rows as T[], affected: Number(result.numAffectedRows ?? result.rows.length) };
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  }
}

/** A json column's value: `pg` parses json, PGlite may hand over its text. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Rows of a query. */
export async function rows<T>(em: Em, sql: Sql, params: readonly unknown[] = []): Promise<T[]> {
  return (await run<T>(em, sql, params)).rows;
}

/** The first row of a query, or undefined. */
export async function row<T>(em: Em, sql: Sql, params: readonly unknown[] = []): Promise<T | undefined> {
  return (await run<T>(em, sql, params)).rows[0];
}

/** Runs an INSERT, UPDATE or DELETE; answers the number of rows it touched. */
export async function exec(em: Em, sql: Sql, params: readonly unknown[] = []): Promise<number> {
  return (await run(em, sql, params)).affected;
}
