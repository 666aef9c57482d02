import { builder } from './builder.ts';

/**
 * The options of a connection type with `totalCount`, declared once for every counted list. The
 * resolver returns its page with `totalCount: () => count(...)`, so the count statement runs only
 * when a client selects the field.
 */
export function countedConnection(name: string) {
  return {
    name,
    fields: (c: PothosSchemaTypes.ObjectFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, { totalCount?: () => number | Promise<number> }>) => ({
      totalCount: c.int({
        description: 'How many items match the arguments, across all pages.',
        resolve: (connection) => {
          if (!connection.totalCount) throw new Error(`${name}: the resolver returned no totalCount`);
          return connection.totalCount();
        },
      }),
    }),
  };
}
