// Prints the GraphQL schema to apps/api/schema.graphql; with --check, fails when the file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.ts';

const file = path.resolve(import.meta.dirname, '../schema.graphql');
const printed = `${printSchema(schema)}\n`;
if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== printed) {
    console.error('apps/api/schema.graphql is stale: run `pnpm schema:print` and commit it.');
    process.exit(1);
  }
  console.log('apps/api/schema.graphql is current.');
} else {
  fs.writeFileSync(file, printed);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
}
