// `pnpm dev`: the API with file watching on :4000 and Vite with hot reload on :5173 (proxying /graphql).
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const children = [
  spawn(process.execPath, ['--watch', 'apps/api/src/main.ts'], { cwd: root, stdio: 'inherit' }),
  spawn('pnpm', ['--filter', '@gatehouse/web', 'dev'], { cwd: root, stdio: 'inherit' }),
];
const stop = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => {
  stop();
  process.exitCode = code ?? 0;
});
