// `pnpm audit:verify [--org <slug>|--all]` (node apps/api/scripts/verify-audit-chain.ts): recomputes the
// audit hash chains (R13, docs/audit-log.md) and prints one line per chain, with its head hash to keep
// somewhere outside the database. Exit code 0 when every chain is intact, 1 when any is broken, 2 on a
// usage or setup error. Without arguments (or with --all) it checks the platform chain and every
// organization's, including organizations deleted since.
//
// Reads the same environment as `pnpm start`: DATABASE_URL for PostgreSQL (read access to
// audit_event, audit_chain_head and organization is enough), else the embedded PGlite database in
// GATEHOUSE_DATA_DIR (stop the server first: PGlite serves one process at a time). It never migrates
// or writes anything.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.ts';
import { emOf, openDatabase } from '../src/db/orm.ts';
import { listAuditChains, verifyAuditChain } from '../src/modules/audit/audit.chain.ts';

const USAGE = 'usage: pnpm audit:verify [--org <slug>|--all]';

function parseArgs(argv: string[]): { org: string | null } | { error: string } | { help: true } {
  let org: string | null = null;
  let all = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--all') all = true;
    else if (arg === '--org') {
      const value = argv[i + 1];
      if (!value || value.startsWith('--')) return { error: '--org needs an organization slug' };
      org = value;
      i += 1;
    } else if (arg.startsWith('--org=')) org = arg.slice('--org='.length);
    else if (arg === '--') continue;
    else return { error: `unknown argument "${arg}"` };
  }
  if (all && org) return { error: 'use either --org <slug> or --all' };
  return { org };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if ('help' in args) {
    console.log(USAGE);
    return 0;
  }
  if ('error' in args) {
    console.error(`${args.error}\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const pgliteDir = path.join(config.dataDir, 'pglite');
  if (!config.databaseUrl && !fs.existsSync(pgliteDir)) {
    console.error(`No database: DATABASE_URL is not set and ${pgliteDir} does not exist.`);
    return 2;
  }
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir, migrate: false });
  try {
    const em = emOf(orm);
    const ready = await em.execute<{ ok: boolean }[]>(`select to_regclass('audit_chain_head') is not null as ok`);
    if (!ready[0]?.ok) {
      console.error('This database has no audit chain yet: start Gatehouse once so it applies its migrations.');
      return 2;
    }
    const orgs = await em.execute<{ id: string; slug: string }[]>(`select id::text as id, slug from organization`);
    const slugOf = new Map(orgs.map((o) => [o.id, o.slug]));
    let chains: (string | null)[];
    if (args.org !== null) {
      const org = orgs.find((o) => o.slug === args.org || o.id === args.org);
      if (!org) {
        console.error(`No organization "${args.org}".`);
        return 2;
      }
      chains = [org.id];
    } else {
      chains = await listAuditChains(em);
    }
    let broken = 0;
    for (const orgId of chains) {
      const r = await verifyAuditChain(em, orgId);
      const name = orgId === null ? 'platform' : `${slugOf.get(orgId) ?? '(deleted organization)'} ${orgId}`;
      if (r.ok) {
        console.log(`ok      ${name}: ${r.eventsChecked} events, head seq ${r.headSeq} hash ${r.headHash ?? '-'}`);
      } else {
        broken += 1;
        const where = r.firstBrokenEventId ? `event ${r.firstBrokenEventId} (seq ${r.firstBrokenSeq})` : `seq ${r.firstBrokenSeq}`;
        console.log(`BROKEN  ${name}: ${r.problem} at ${where}: ${r.reason} (${r.eventsChecked} events verified before it)`);
      }
    }
    if (chains.length === 0) console.log('no audit events yet');
    return broken > 0 ? 1 : 0;
  } finally {
    await orm.close();
  }
}

process.exitCode = await main();
