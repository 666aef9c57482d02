// A PostgreSQL primary and a streaming replica of it on this machine, for `pnpm bench --replica`
// (what a read replica adds; docs/benchmarks.md, "Read replica"). A fresh cluster (initdb) on a free
// port and a second one made from it with `pg_basebackup -R` right away, so everything seeded later
// reaches the replica by streaming, as in production. Both in one directory; the script stays in the
// foreground and stops both servers (and removes the directory) on Ctrl-C or SIGTERM.
//
// CLI: node scripts/bench/replica-pair.ts [--dir /tmp/gatehouse-replica-pair] [--shared-buffers 256MB]
//      prints PRIMARY=postgres://... and REPLICA=postgres://..., then, in another shell:
//      DATABASE_URL=$PRIMARY node scripts/bench.ts --replica $REPLICA --no-l1 --workloads members-big,search
//
// As root the servers run as the `postgres` account (PostgreSQL refuses root). Durability is off
// (fsync, full_page_writes, synchronous_commit): nothing here must survive a crash. The same is true
// of apps/api/test/replicas/streaming-replica.ts, which this follows.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({ options: { dir: { type: 'string', default: '/tmp/gatehouse-replica-pair' }, 'shared-buffers': { type: 'string', default: '256MB' } } });
const bin = ['PG_BIN', ...fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))]
  .map((v) => (v === 'PG_BIN' ? process.env.PG_BIN ?? '' : path.join('/usr/lib/postgresql', v, 'bin')))
  .find((d) => d && ['initdb', 'pg_ctl', 'pg_basebackup'].every((b) => fs.existsSync(path.join(d, b))));
if (!bin) {
  console.error('no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql/*/bin or PG_BIN');
  process.exit(2);
}
if (!/^[0-9]+[kMG]B$/.test(flags['shared-buffers']!)) {
  console.error('--shared-buffers: like 256MB');
  process.exit(2);
}
const asRoot = process.getuid?.() === 0;
const dir = path.resolve(flags.dir!);
if (fs.existsSync(dir)) {
  console.error(`${dir} exists: remove it or choose another --dir`);
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
const primaryDir = path.join(dir, 'primary');
const replicaDir = path.join(dir, 'replica');

const run = (binary: string, args: string[], timeout = 120_000) => {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, binary), ...args]] : [path.join(bin, binary), args];
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
};
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const started: string[] = [];
const stop = () => {
  for (const data of started.reverse()) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], 60_000);
  started.length = 0;
  fs.rmSync(dir, { recursive: true, force: true });
};
const [primaryPort, replicaPort] = [await freePort(), await freePort()];
const common = (port: number) =>
  `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ` +
  `-c shared_buffers=${flags['shared-buffers']} -c max_connections=100 -c max_wal_size=4GB`;
try {
  // initdb's pg_hba.conf lets loopback connections in, replication ones included (trust).
  run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  run('pg_ctl', ['-D', primaryDir, '-o', `${common(primaryPort)} -c wal_level=replica -c max_wal_senders=4 -c wal_keep_size=8GB`, '-l', path.join(dir, 'primary.log'), '-w', 'start']);
  started.push(primaryDir);
  run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
  // Long exports on the replica are not cancelled by replay conflicts (docs/operations.md, "Read replicas").
  run('pg_ctl', ['-D', replicaDir, '-o', `${common(replicaPort)} -c hot_standby=on -c hot_standby_feedback=on`, '-l', path.join(dir, 'replica.log'), '-w', 'start']);
  started.push(replicaDir);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  stop();
  process.exit(1);
}
console.log(`PRIMARY=postgres://postgres@127.0.0.1:${primaryPort}/postgres`);
console.log(`REPLICA=postgres://postgres@127.0.0.1:${replicaPort}/postgres`);
console.log(`servers in ${dir}; Ctrl-C (or SIGTERM to pid ${process.pid}) stops both and removes it`);
const keepAlive = setInterval(() => {}, 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(keepAlive);
    stop();
    console.log('stopped');
    process.exit(0);
  });
}
