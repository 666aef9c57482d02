import type { Em } from '../db/orm.ts';
import { TooManyAttemptsError } from '../errors.ts';

/**
 * Failed sign-ins counted per account and per IP in Postgres (shared by replicas). After a few free
 * failures each further one doubles the lock-out, capped at 15 minutes. R16.
 */
const POLICY = {
  account: { free: 5, maxSeconds: 900 },
  ip: { free: 20, maxSeconds: 900 },
};

export function throttleKeys(email: string, ip: string | undefined) {
  return { account: `account:${email}`, ip: `ip:${ip ?? 'unknown'}` };
}

export async function assertNotThrottled(em: Em, keys: { account: string; ip: string }): Promise<void> {
  const rows = await em.execute<{ wait: number }[]>(
    `select ceil(extract(epoch from max(locked_until) - now()))::int as wait
       from login_throttle where key in (?, ?) and locked_until > now()`,
    [keys.account, keys.ip],
  );
  const wait = rows[0]?.wait;
  if (wait && wait > 0) throw new TooManyAttemptsError(wait);
}

export async function recordFailure(em: Em, keys: { account: string; ip: string }): Promise<void> {
  for (const [key, policy] of [
    [keys.account, POLICY.account],
    [keys.ip, POLICY.ip],
  ] as const) {
    await em.execute(
      `insert into login_throttle (key, failures, last_failure_at, locked_until) values (?, 1, now(), null)
       on conflict (key) do update set
         failures = case when login_throttle.last_failure_at < now() - interval '1 day' then 1
                         else login_throttle.failures + 1 end,
         last_failure_at = now(),
         locked_until = case when login_throttle.failures + 1 > ?
           then now() + make_interval(secs => least(?, power(2, login_throttle.failures + 1 - ?)))
           else null end`,
      [key, policy.free, policy.maxSeconds, policy.free],
    );
  }
}

export async function clearAccountFailures(em: Em, accountKey: string): Promise<void> {
  await em.execute(`delete from login_throttle where key = ?`, [accountKey]);
}
