// Packages the benchmark borrows from apps/api (pnpm keeps them out of the root node_modules).
// Types come from a type-only import of each package's own declarations; the code is loaded at run
// time from the file apps/api itself would load.
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as JoseModule from '../../apps/api/node_modules/jose/dist/types/index.js';
import type * as PgliteModule from '../../apps/api/node_modules/@electric-sql/pglite/dist/index.js';
import type * as PgTrgmModule from '../../apps/api/node_modules/@electric-sql/pglite/dist/contrib/pg_trgm.js';
import type * as PgModule from '../../apps/api/node_modules/@types/pg/index.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const API_MODULES = path.join(ROOT, 'apps/api/node_modules');

const load = <T>(pkg: string, file: string): Promise<T> => import(pathToFileURL(path.join(API_MODULES, pkg, file)).href) as Promise<T>;

export type Jose = typeof JoseModule;
export const loadJose = () => load<Jose>('jose', 'dist/webapi/index.js');

export type Pglite = typeof PgliteModule;
export const loadPglite = () => load<Pglite>('@electric-sql/pglite', 'dist/index.js');
export const loadPgTrgm = () => load<typeof PgTrgmModule>('@electric-sql/pglite', 'dist/contrib/pg_trgm.js');

/** `pg` (a root devDependency; its types are apps/api's @types/pg). */
export const pg = createRequire(import.meta.url)('pg') as typeof PgModule;
export type PgClient = PgModule.Client;
export type PgPool = PgModule.Pool;
export type PgPoolClient = PgModule.PoolClient;
export type PgQueryConfig = PgModule.QueryConfig;
