/**
 * Migrations against entities: every persisted property of every entity has its column in the
 * migrated database, with the same nullability and a compatible type. The migrations are the
 * schema's source of truth (they hold what entities do not express: partial and expression indexes,
 * triggers, checks); this catches an entity that drifted from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceKind, type EntityProperty } from '@mikro-orm/core';
import { emOf } from '../src/db/orm.ts';
import { startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

interface Column {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  data_type: string;
}

/** Type families that may stand for each other (text and varchar, the two timestamp kinds...). */
function family(type: string): string {
  const t = type.toLowerCase();
  if (/array|\[\]/.test(t)) return 'array';
  if (/char|text|citext|string/.test(t)) return 'text';
  if (/timestamp|datetime|date/.test(t)) return 'time';
  if (/int|serial|bigint/.test(t)) return 'integer';
  if (/bool/.test(t)) return 'boolean';
  if (/json/.test(t)) return 'json';
  if (/uuid/.test(t)) return 'uuid';
  if (/bytea|blob|buffer/.test(t)) return 'bytes';
  if (/inet/.test(t)) return 'text';
  return t;
}

describe('migrations and entities agree', () => {
  it('every persisted entity property has its column, nullability and type family', async () => {
    const columns = await emOf(ts.orm).execute<Column[]>(
      `select table_name, column_name, is_nullable, data_type from information_schema.columns where table_schema = current_schema()`,
    );
    const byTable = new Map<string, Map<string, Column>>();
    for (const c of columns) {
      if (!byTable.has(c.table_name)) byTable.set(c.table_name, new Map());
      byTable.get(c.table_name)!.set(c.column_name, c);
    }
    const problems: string[] = [];
    const entities = [...ts.orm.getMetadata()].filter((meta) => !meta.embeddable && !meta.virtual && !meta.abstract);
    expect(entities.length).toBeGreaterThan(5);
    for (const meta of entities) {
      const table = byTable.get(meta.tableName);
      if (!table) {
        problems.push(`${meta.className}: table ${meta.tableName} is not created by any migration`);
        continue;
      }
      for (const prop of Object.values(meta.properties) as EntityProperty[]) {
        if (prop.persist === false || prop.formula || ![ReferenceKind.SCALAR, ReferenceKind.MANY_TO_ONE, ReferenceKind.ONE_TO_ONE].includes(prop.kind)) continue;
        if (prop.kind === ReferenceKind.ONE_TO_ONE && !prop.owner) continue;
        for (const field of prop.fieldNames ?? []) {
          const column = table.get(field);
          if (!column) {
            problems.push(`${meta.className}.${prop.name}: column ${meta.tableName}.${field} missing`);
            continue;
          }
          const nullable = column.is_nullable === 'YES';
          if (Boolean(prop.nullable) !== nullable && !prop.primary) problems.push(`${meta.className}.${prop.name}: entity says ${prop.nullable ? 'nullable' : 'not null'}, column is ${nullable ? 'nullable' : 'not null'}`);
          const expected = prop.kind === ReferenceKind.SCALAR ? (prop.columnTypes?.[0] ?? prop.type) : 'uuid';
          if (prop.kind === ReferenceKind.SCALAR && family(expected) !== family(column.data_type)) {
            problems.push(`${meta.className}.${prop.name}: entity type ${expected}, column ${column.data_type}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    const mapped = new Set(entities.map((meta) => meta.tableName));
    const unmapped = [...byTable.keys()].filter((t) => !mapped.has(t) && !t.startsWith('mikro_orm_')).sort();
    expect(unmapped).toEqual(WITHOUT_ENTITY);
  });
});

/** Every table has an entity: a new table gets one rather than joining this list. */
const WITHOUT_ENTITY: string[] = [];
