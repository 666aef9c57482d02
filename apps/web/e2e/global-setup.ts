import fs from 'node:fs';
import { STATE_FILE, startApi } from './server.ts';

export default async function globalSetup() {
  const { state, child } = await startApi();
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    if (process.env.E2E_API_LOG) process.stderr.write(chunk);
  });
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (state.database && process.env.DATABASE_URL) {
      const { dropDatabase } = await import('./server.ts');
      await dropDatabase(process.env.DATABASE_URL, state.database).catch(() => undefined);
    }
    fs.rmSync(state.dataDir, { recursive: true, force: true });
    fs.rmSync(STATE_FILE, { force: true });
  };
}
