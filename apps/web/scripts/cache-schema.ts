// Vite plugin (build only): the browser gets the part of the GraphQL introspection that graphcache
// and the SPA read — object and interface types with their fields' names and the nullability of
// their types (graphcache reads the `kind` of a field's type and of up to two `ofType` levels, never
// a name: @urql/exchange-graphcache isFieldNullable/isListNullable), unions with their members, the
// other types by name only — as one JSON string (JSON.parse is quicker than an object literal).
// gql.tada's full introspection stays the source of the TypeScript types and of `pnpm typecheck`.
import fs from 'node:fs';
import type { Plugin } from 'vite';

interface TypeRef { kind: string; name?: string; ofType?: TypeRef }
interface IntrospectionType {
  kind: string;
  name: string;
  fields?: { name: string; type: TypeRef }[];
  interfaces?: { name: string }[];
  possibleTypes?: { name: string }[];
}

/** `[Role!]!` → NON_NULL › LIST › NON_NULL: the kinds graphcache looks at, without names. */
function nullability(type: TypeRef, depth = 0): TypeRef {
  return type.ofType && depth < 2 ? { kind: type.kind, ofType: nullability(type.ofType, depth + 1) } : { kind: type.kind };
}

export function trimIntrospection(schema: { __schema: { types: IntrospectionType[] } & Record<string, unknown> }) {
  const types = schema.__schema.types.map((t) => {
    if (t.kind === 'OBJECT' || t.kind === 'INTERFACE') {
      return {
        kind: t.kind,
        name: t.name,
        interfaces: (t.interfaces ?? []).map((i) => ({ name: i.name })),
        fields: (t.fields ?? []).map((f) => ({ name: f.name, type: nullability(f.type), args: [] })),

      };
    }
    if (t.kind === 'UNION') return { kind: t.kind, name: t.name, possibleTypes: (t.possibleTypes ?? []).map((p) => ({ name: p.name })) };
    return { kind: t.kind, name: t.name };
  });
  const { queryType, mutationType, subscriptionType } = schema.__schema;
  return { __schema: { queryType, mutationType, subscriptionType, types } };
}

export function cacheSchema(): Plugin {
  return {
    name: 'gatehouse-cache-schema',
    apply: 'build',
    load(id) {
      if (!id.endsWith('/src/graphql/introspection.ts')) return null;
      const source = fs.readFileSync(id, 'utf8');
      const start = source.indexOf('{', source.indexOf('const introspection'));
      const end = source.lastIndexOf('} as const');
      const trimmed = trimIntrospection(JSON.parse(source.slice(start, end + 1)));
      return `export const introspection = JSON.parse(${JSON.stringify(JSON.stringify(trimmed))});\n`;
    },
  };
}
