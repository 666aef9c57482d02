import type { Em } from '../../db/orm.ts';
import { exec } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';

/**
 * Runs an UPDATE or DELETE (bound `$n` parameters) that must touch exactly one row, locked earlier in
 * the transaction: a row deleted by a concurrent request answers NotFoundError, not a silent no-op.
 */
export async function exactlyOne(tx: Em, what: string, sql: string, params: readonly unknown[]): Promise<void> {
  if ((await exec(tx, sql, params)) !== 1) throw new NotFoundError(what);
}
