// The large dataset (`pnpm bench --large`, PostgreSQL only; issue 14): the scale one platform reaches
// before it shards — 1,000,000 users, 10,000 organizations of Zipf sizes (organization k has
// round(100,000 / k) members: "big" has 100,000, "small" (k = 5,000) has 20; about 979,000
// memberships), the 5 built-in roles in every organization, 10,000,000 audit events in "big".
//
// Seeded by the same bulk SQL as the full dataset (scripts/bench/seed.ts: generate_series in one
// transaction, triggers off, secondary indexes rebuilt after the load, the audit hash chain computed
// in Node batch by batch), only with larger numbers. BENCH_LARGE_AUDIT_EVENTS lowers the audit volume
// where 10,000,000 events do not fit the time or disk at hand (about 5 GB with its indexes).
//
// CLI: DATABASE_URL=postgres://... node scripts/bench/large.ts [--name gatehouse_bench_large]
//      creates that database (dropping one of that name), migrates, seeds it and leaves it for you.
import { createPostgresDatabase, seedPostgres, type DatasetSpec } from './seed.ts';

export function largeSpec(auditEvents = Number(process.env.BENCH_LARGE_AUDIT_EVENTS ?? 10_000_000)): DatasetSpec {
  if (!Number.isInteger(auditEvents) || auditEvents < 1000) throw new Error(`BENCH_LARGE_AUDIT_EVENTS must be a whole number of at least 1000 (got ${auditEvents})`);
  return { name: 'large', users: 1_000_000, orgs: 10_000, bigSize: 100_000, auditEvents };
}

if (import.meta.main) {
  const base = process.env.DATABASE_URL?.trim();
  if (!base) {
    console.error('the large dataset needs PostgreSQL: set DATABASE_URL');
    process.exit(2);
  }
  const i = process.argv.indexOf('--name');
  const name = i >= 0 ? process.argv[i + 1]! : 'gatehouse_bench_large';
  const t = performance.now();
  const url = await createPostgresDatabase(base, name);
  console.log(`created and migrated ${name} in ${Math.round(performance.now() - t)} ms`);
  const result = await seedPostgres(url, largeSpec(), (line) => console.log(line));
  console.log(`seeded ${url}`);
  console.log(JSON.stringify(result));
}
