import { CompiledQuery } from 'kysely';
import { isRaw, JsonProperty, raw } from '@mikro-orm/core';
import { AbstractSqlConnection, NativeQueryBuilder } from '@mikro-orm/sql';

/**
 * MikroORM 7 writes every value into the SQL text before sending it (`Platform.formatQuery`), for
 * its own statements (find, flush, query builder) and for `em.execute(sql, params)` alike. Text with
 * values inside is parsed and planned anew by PostgreSQL every time, never repeats in
 * `pg_stat_statements`, and breaks on a NUL byte. This sends the same statements with bound
 * parameters instead: the ORM's `?` placeholders become `$1, $2...` and the values travel beside
 * the text, typed as MikroORM would have written them (dates in its format, JSON as text, arrays
 * expanded in place as its formatter does for `in (?)`).
 *
 * A statement this cannot translate with certainty (an identifier placeholder `??`, an escaped
 * `\?`, a raw fragment among the values, or a placeholder count that does not match) goes the
 * ORM's own way, unchanged.
 */
interface Platform {
  formatDate(date: Date): string;
}

interface Connection {
  platform: Platform & { formatQuery(query: string, params: readonly unknown[]): string };
  config: {
    get(key: 'onQuery'): (query: string, params: readonly unknown[]) => string;
    getLogger(): { isEnabled(namespace: string, context?: unknown): boolean };
  };
  ensureConnection(): Promise<void>;
  getSql(query: string, formatted: string, context: unknown): string;
  executeQuery<T>(sql: string, cb: () => Promise<T>, context: unknown): Promise<T>;
  getClient(): { executeQuery(query: CompiledQuery, abort?: unknown): Promise<unknown> };
  transformRawResult(result: unknown, method: string): unknown;
}

export interface Bound {
  text: string;
  values: unknown[];
}

/** `?` placeholders to `$n` with their values, or undefined when the statement must stay as the ORM wrote it. */
export function bindParameters(sql: string, params: readonly unknown[], platform: Platform): Bound | undefined {
  const values: unknown[] = [];
  let text = '';
  let from = 0;
  let used = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    if (c !== '?') continue;
    if (sql[i + 1] === '?' || sql[i - 1] === '\\') return undefined;
    if (used >= params.length) return undefined;
    const written = placeholders(params[used++], values, platform);
    if (written === undefined) return undefined;
    text += sql.slice(from, i) + written;
    from = i + 1;
  }
  if (quote || used !== params.length) return undefined;
  return { text: text + sql.slice(from), values };
}

/** Marks a value that cannot be bound; the statement then goes the ORM's way. */
const UNBINDABLE = Symbol('unbindable');

/** The placeholders for one `?`: `$n`, or `$n, $m...` for an array (as the ORM's formatter expands it). */
function placeholders(value: unknown, values: unknown[], platform: Platform): string | undefined {
  if (Array.isArray(value) && !(value as { [JsonProperty]?: unknown })[JsonProperty]) {
    if (value.length === 0) return undefined; // the ORM writes nothing there
    const parts: string[] = [];
    for (const item of value) {
      const part = placeholders(item, values, platform);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return parts.join(', ');
  }
  const bound = boundValue(value, platform);
  if (bound === UNBINDABLE) return undefined;
  values.push(bound);
  return `$${values.length}`;
}

/** The value as the ORM would have written it, for PostgreSQL to parse from a parameter. */
function boundValue(value: unknown, platform: Platform): unknown {
  if (value === undefined || value === null) return null;
  if (isRaw(value) || typeof value === 'function' || typeof value === 'symbol') return UNBINDABLE;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return platform.formatDate(value);
  if (ArrayBuffer.isView(value)) return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/**
 * The ORM's `prepareQuery`, except that the values are written into the text only when a logger
 * will print that text (`query-params`): the statement itself travels with bound parameters, so
 * formatting it on every execution would be work thrown away.
 */
function prepareWithoutFormatting(connection: Connection, query: unknown, params: unknown[], loggerContext: unknown): { query: string; params: unknown[]; formatted: string } {
  let text = query;
  if (text instanceof NativeQueryBuilder) text = text.toRaw();
  if (typeof text === 'string' && !Array.isArray(params)) text = raw(text, params);
  if (isRaw(text)) {
    params = text.params as unknown[];
    text = text.sql;
  }
  const sql = connection.config.get('onQuery')(text as string, params);
  const logger = connection.config.getLogger();
  const printsValues = logger.isEnabled('query', loggerContext) && logger.isEnabled('query-params', loggerContext);
  return { query: sql, params, formatted: printsValues ? connection.platform.formatQuery(sql, params) : sql };
}

let installed = false;

/** Makes every MikroORM SQL connection of this process send bound parameters (idempotent). */
export function installBoundParameters(): void {
  if (installed) return;
  installed = true;
  // The ORM's method is replaced on its prototype (a workaround until upstream binds parameters itself).
  const patched: string = 'execute';
  const ormExecute: Execute = Reflect.get(AbstractSqlConnection.prototype, patched);
  const execute: Execute = async function execute(this: Connection, query, params = [], method = 'all', ctx, loggerContext) {
    if (loggerContext?.signal != null || loggerContext?.inflightQueryAbortStrategy != null) {
      return ormExecute.call(this, query, params, method, ctx, loggerContext);
    }
    await this.ensureConnection();
    const prepared = prepareWithoutFormatting(this, query, params, loggerContext);
    const bound = bindParameters(prepared.query, prepared.params, this.platform);
    if (!bound) return ormExecute.call(this, query, params, method, ctx, loggerContext);
    const sql = this.getSql(prepared.query, prepared.formatted, loggerContext);
    return this.executeQuery(
      sql,
      async () => this.transformRawResult(await (ctx ?? this.getClient()).executeQuery(CompiledQuery.raw(bound.text, bound.values)), method),
      { ...prepared, ...loggerContext },
    );
  };
  Reflect.set(AbstractSqlConnection.prototype, patched, execute);
}

type Execute = (
  this: Connection,
  query: unknown,
  params?: unknown[],
  method?: string,
  ctx?: Connection['getClient'] extends () => infer C ? C : never,
  loggerContext?: Record<string, unknown>,
) => Promise<unknown>;
