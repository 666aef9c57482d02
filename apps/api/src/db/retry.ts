import {
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Em } from './orm.ts';

/** PostgreSQL's "try again" answers: serialization failure and deadlock. */
const RETRYABLE_CODES = new Set(['40001', '40P01']);

function isTransient(error: unknown): boolean {
  if (error instanceof UniqueConstraintViolationException || error instanceof DeadlockException || error instanceof LockWaitTimeoutException) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/**
 * Every write is race-safe (R22): a transaction that lost a race to another request (a unique row
 * created, a deadlock broken, a serialization failure) runs again from the start, now seeing the
 * winner's committed row, and answers as the rules say for that state (ALREADY_MEMBER, ConflictError,
 * NotFoundError...). A transaction is all or nothing, so running it again is safe; services send mail
 * and other side effects only after commit. What still fails after the retries becomes a typed error,
 * never a 500.
 */
export async function withRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt < attempts && isTransient(error)) continue;
      throw translate(error);
    }
  }
}

/**
 * One transaction on `em`, run again from the start when it lost a race (see withRetry). The
 * transaction's fork starts with an empty identity map (`clear: true`): it loads its own instances,
 * so a change made in an attempt that fails never reaches the entities the request already holds;
 * MikroORM merges the fork's entities into the request's identity map only after a commit.
 */
export function transaction<T>(em: Em, fn: (tx: Em) => Promise<T>): Promise<T> {
  return withRetry(() => em.transactional((tx) => fn(tx as Em), { clear: true }));
}

function translate(error: unknown): unknown {
  if (error instanceof ForeignKeyConstraintViolationException) return new NotFoundError();
  if (isTransient(error)) return new ConflictError('Another request changed this at the same moment; reload and try again', []);
  return error;
}
