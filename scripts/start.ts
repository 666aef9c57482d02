// `pnpm start`: installs what is missing, builds the SPA when its sources are newer than the build,
// applies migrations and serves API and SPA on one port (4000 by default).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (cmd: string, args: string[]) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent']);

const web = path.join(root, 'apps/web');
if (fs.existsSync(path.join(web, 'package.json')) && needsBuild(web)) run('pnpm', ['--filter', '@gatehouse/web', 'build']);

await import('../apps/api/src/main.ts');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

function needsBuild(webDir: string): boolean {
  const built = path.join(webDir, 'dist/index.html');
  if (!fs.existsSync(built)) return true;
  const sources = [path.join(webDir, 'src'), path.join(root, 'packages/permissions/src')].filter(fs.existsSync);
  return Math.max(...sources.map(newest)) > fs.statSync(built).mtimeMs;
}
