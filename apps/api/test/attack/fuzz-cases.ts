/**
 * Schema-driven case generation for the fuzzer (fuzz.test.ts). Reads apps/api/schema.graphql at run
 * time, so every field the schema holds when the suite runs is attacked, including ones added later.
 *
 * For every Query and Mutation field: a valid operation (a few scalars of the result, or __typename;
 * `... on X` for unions and interfaces), then one hostile value at a time for every argument and every
 * input-object field, the other arguments holding plausible valid values. Query fields returning an
 * object whose own fields take arguments (Organization.members, auditLog, …) are attacked through
 * those nested arguments too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { RawBytes, RawJson } from './support.ts';

export const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');

export function loadSchema(): GraphQLSchema {
  return buildSchema(fs.readFileSync(SCHEMA_PATH, 'utf8'));
}

/** Names of the types implementing the `Error` interface (typed failures). */
export function errorTypeNames(schema: GraphQLSchema): Set<string> {
  const iface = schema.getType('Error');
  if (!iface || !isInterfaceType(iface)) return new Set();
  return new Set(schema.getPossibleTypes(iface).map((t) => t.name));
}

// ---------------------------------------------------------------- fixtures the plausible values point at

export interface Fixtures {
  /** The org the member principal administers; reads and most writes point here. */
  orgGid: string;
  orgSlug: string;
  /** An org that updateOrganization / setOrganizationStatus / deleteOrganization may change. */
  scratchOrgGid: string;
  scratchOrgSlug: string;
  /** An org the victim user does not belong to (grantOrganizationAccess). */
  otherOrgGid: string;
  victimUserGid: string;
  victimMembershipGid: string;
  viewerRoleGid: string;
  customRoleGid: string;
  invitationGid: string;
  /** Cursors taken from real lists, sent to other lists (and other sort orders). */
  cursors: Record<string, string>;
}

// ---------------------------------------------------------------- hostile values

export interface Hostile {
  cls: string;
  value: unknown;
  /** The text, when it is long enough to check for echoes. */
  text?: string;
  /** Where inside the argument the hostile value sits, e.g. `.0.email` (list item 0, field email). */
  at?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

export const BIG_300K = 'x'.repeat(300 * 1024);
// ~100 KB of UTF-8 (three bytes a character).
export const BIG_100K = '字'.repeat(Math.ceil((100 * 1024) / 3));

function stringValues(): Hostile[] {
  return [
    { cls: 'string:nul', value: 'fuzz\u0000name' },
    { cls: 'string:c0-controls', value: 'fuzz\u0001\u0007\u0008\u001b[31mred\u007f' },
    { cls: 'string:c1-controls', value: 'fuzz\u0085\u009b\u0080name' },
    { cls: 'string:bidi-override', value: 'fuzz\u202Egnp.exe' },
    { cls: 'string:bidi-isolate', value: '\u2066fuzz\u2069\u2067name\u2069' },
    // JSON text with the escape of an unpaired surrogate; the server must not store it.
    { cls: 'string:lone-surrogate-high', value: new RawJson('"fuzz\\ud800name"') },
    { cls: 'string:lone-surrogate-low', value: new RawJson('"\\udfffname"') },
    { cls: 'string:invalid-utf8', value: new RawBytes(Buffer.from([0x66, 0x75, 0xff, 0xfe, 0xc3, 0x28, 0x7a])) },
    { cls: 'string:300KB', value: BIG_300K, text: BIG_300K },
    { cls: 'string:100KB', value: BIG_100K, text: BIG_100K },
    { cls: 'string:emoji-combining', value: '👩‍👩‍👧‍👦 Z̷̢͉a̶l̴g̵o̸ ﷽ 𝕏' },
    { cls: 'string:sql', value: `' OR 1=1; DROP TABLE "user"; --` },
    { cls: 'string:like-wildcards', value: '%_\\%\\' },
    { cls: 'string:html', value: '<script>alert(1)</script><img src=x onerror=alert(1)>' },
    { cls: 'string:empty', value: '' },
    { cls: 'string:whitespace', value: ' \t\n\r ' },
    { cls: 'string:zero-width', value: 'fu\u200Bzz\uFEFF\u2060' },
    { cls: 'string:format-and-path', value: '%s%n%x ${7*7} {{7*7}} ../../../etc/passwd' },
    { cls: 'type:number-for-string', value: 12345 },
    { cls: 'type:huge-number', value: new RawJson('1e400') },
    { cls: 'type:object-for-scalar', value: { a: 1 } },
    { cls: 'type:list-for-scalar', value: ['fuzz', 'fuzz'] },
    { cls: 'type:boolean-for-string', value: true },
  ];
}

function idValues(otherTypeGid: string): Hostile[] {
  const pick = new Set(['string:nul', 'string:lone-surrogate-high', 'string:300KB', 'string:sql', 'string:bidi-override', 'type:number-for-string', 'type:object-for-scalar', 'type:list-for-scalar']);
  const hugeForged = b64(`Organization:${'a'.repeat(100_000)}`);
  return [
    { cls: 'id:forged-not-a-uuid', value: b64('User:not-a-uuid') },
    { cls: 'id:forged-random-uuid', value: b64(`Organization:${crypto.randomUUID()}`) },
    { cls: 'id:garbage-base64', value: '!!!not*base64===' },
    { cls: 'id:base64-without-type', value: b64('nocolon') },
    { cls: 'id:empty', value: '' },
    { cls: 'id:other-type', value: otherTypeGid },
    { cls: 'id:raw-uuid', value: crypto.randomUUID() },
    { cls: 'id:forged-sql', value: b64(`User:' OR 1=1 --`) },
    { cls: 'id:forged-nul', value: b64('User:\u0000') },
    { cls: 'id:forged-133KB', value: hugeForged, text: hugeForged },
    ...stringValues().filter((h) => pick.has(h.cls)),
  ];
}

function cursorValues(fx: Fixtures): Hostile[] {
  const foreign = Object.entries(fx.cursors).map(([from, cursor]) => ({ cls: `cursor:from-${from}`, value: cursor }));
  const long = b64url(JSON.stringify(['a'.repeat(50_000), crypto.randomUUID()]));
  return [
    { cls: 'cursor:random-base64', value: Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64') },
    { cls: 'cursor:empty', value: '' },
    { cls: 'cursor:garbage', value: '!!!' },
    { cls: 'cursor:json-object-key', value: b64url(JSON.stringify([{}, 'x'])) },
    { cls: 'cursor:json-not-uuid', value: b64url(JSON.stringify([null, 'not-a-uuid'])) },
    { cls: 'cursor:json-numbers', value: b64url(JSON.stringify([1e308, -1])) },
    { cls: 'cursor:json-nested', value: b64url(JSON.stringify([[['x']], { id: 1 }])) },
    { cls: 'cursor:json-sql', value: b64url(JSON.stringify([`' or 1=1 --`, `' or 1=1 --`])) },
    { cls: 'cursor:json-67KB', value: long, text: long },
    ...foreign,
    ...stringValues().filter((h) => ['string:nul', 'string:lone-surrogate-high', 'string:300KB'].includes(h.cls)),
  ];
}

function intValues(): Hostile[] {
  return [
    { cls: 'int:negative', value: -1 },
    { cls: 'int:32bit-overflow', value: 2147483648 },
    { cls: 'int:exponent-1e9', value: new RawJson('1e9') },
    { cls: 'int:min-int', value: -2147483648 },
    { cls: 'int:below-min-int', value: -2147483649 },
    { cls: 'int:fractional', value: 1.5 },
    { cls: 'int:unsafe-integer', value: new RawJson('9007199254740993') },
    { cls: 'int:1e400', value: new RawJson('1e400') },
    { cls: 'type:string-for-int', value: '5' },
    { cls: 'type:object-for-scalar', value: { a: 1 } },
    { cls: 'type:list-for-scalar', value: [5, 5] },
  ];
}

function booleanValues(): Hostile[] {
  return [
    { cls: 'type:string-for-boolean', value: 'true' },
    { cls: 'type:number-for-boolean', value: 1 },
    { cls: 'type:object-for-scalar', value: { a: 1 } },
    { cls: 'type:list-for-scalar', value: [true, false] },
  ];
}

function enumValues(values: string[]): Hostile[] {
  return [
    { cls: 'enum:unknown', value: 'NOPE' },
    { cls: 'enum:lowercase', value: values[0]!.toLowerCase() },
    { cls: 'enum:proto', value: '__proto__' },
    { cls: 'type:number-for-enum', value: 1 },
    { cls: 'type:object-for-scalar', value: { a: 1 } },
    { cls: 'type:list-for-scalar', value: [values[0], values[0]] },
    { cls: 'string:300KB', value: BIG_300K, text: BIG_300K },
  ];
}

function dateTimeValues(): Hostile[] {
  return [
    { cls: 'datetime:word', value: 'yesterday' },
    { cls: 'datetime:impossible-date', value: '2020-13-45' },
    { cls: 'datetime:number-1e20', value: 1e20 },
    { cls: 'datetime:1e400', value: new RawJson('1e400') },
    { cls: 'datetime:empty', value: '' },
    { cls: 'datetime:year-zero', value: '0000-00-00T00:00:00Z' },
    { cls: 'datetime:max-js-date', value: '+275760-09-13T00:00:00.001Z' },
    { cls: 'datetime:far-past', value: '-271821-04-20T00:00:00Z' },
    { cls: 'datetime:bad-offset', value: '2020-01-01T00:00:00+99:99' },
    { cls: 'string:nul', value: '2020-01-01T00:00:00Z\u0000' },
    { cls: 'string:300KB', value: BIG_300K, text: BIG_300K },
    { cls: 'type:object-for-scalar', value: { a: 1 } },
  ];
}

function otherScalarValues(): Hostile[] {
  let deep: unknown = 1;
  for (let i = 0; i < 3000; i++) deep = { a: deep };
  return [
    { cls: 'json:deep-3000', value: deep },
    { cls: 'string:300KB', value: BIG_300K, text: BIG_300K },
    { cls: 'string:nul', value: 'fuzz\u0000' },
  ];
}

// ---------------------------------------------------------------- plausible values

export const PLAUSIBLE_WRONG_PASSWORD = 'not-the-password-fuzz-1';
let emailCounter = 0;
const freshEmail = () => `fuzz.${++emailCounter}.${Math.random().toString(36).slice(2, 7)}@example.test`;

/** Per field overrides, so that fuzzing one argument never destroys what the others point at. */
function override(fieldPath: string, fx: Fixtures): { value: unknown } | undefined {
  const table: Record<string, unknown> = {
    'Mutation.deleteOrganization.organizationId': fx.scratchOrgGid,
    'Mutation.deleteOrganization.confirmSlug': 'not-the-slug',
    'Mutation.updateOrganization.input.organizationId': fx.scratchOrgGid,
    'Mutation.setOrganizationStatus.organizationId': fx.scratchOrgGid,
    'Mutation.grantOrganizationAccess.organizationId': fx.otherOrgGid,
    // Deleting needs only the user id: a plausible one that exists nowhere keeps the victim alive.
    'Mutation.deleteUser.userId': b64(`User:${crypto.randomUUID()}`),
  };
  return fieldPath in table ? { value: table[fieldPath] } : undefined;
}

/** A valid value for an argument or input field, chosen by its name and type. */
export function plausible(type: GraphQLInputType, name: string, fieldPath: string, fx: Fixtures): unknown {
  const o = override(fieldPath, fx);
  if (o) return o.value;
  if (isNonNullType(type)) return plausible(type.ofType, name, fieldPath, fx);
  if (isListType(type)) {
    if (/^roleIds$/i.test(name)) return [fx.viewerRoleGid];
    if (/^ids$/i.test(name)) return [fx.orgGid];
    if (/emails$/i.test(name)) return [freshEmail()];
    if (/^permissions$/i.test(name)) return ['members:read'];
    return [plausible(type.ofType, name.replace(/s$/, ''), fieldPath, fx)];
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = plausible(f.type, f.name, `${fieldPath}.${f.name}`, fx);
    }
    return out;
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    // The harmless choice for status-like enums.
    return values.includes('ACTIVE') ? 'ACTIVE' : values.includes('RESPONSE') ? 'RESPONSE' : values[0];
  }
  const scalar = (type as GraphQLNamedType).name;
  const n = name.toLowerCase();
  if (scalar === 'ID') {
    if (/organization|^org/.test(n)) return fx.orgGid;
    if (/membership/.test(n)) return fx.victimMembershipGid;
    if (/^roleid$/.test(n)) return fx.customRoleGid;
    if (/role/.test(n)) return fx.viewerRoleGid;
    if (/user|actor/.test(n)) return fx.victimUserGid;
    if (/invitation/.test(n)) return fx.invitationGid;
    if (/transfer/.test(n)) return b64(`OwnershipTransfer:${crypto.randomUUID()}`);
    if (/resource/.test(n)) return b64(`Resource:${crypto.randomUUID()}`);
    return fx.orgGid;
  }
  if (scalar === 'Int') return /first|last|limit/.test(n) ? 5 : 1;
  if (scalar === 'Float') return 1.5;
  if (scalar === 'Boolean') return false;
  if (scalar === 'DateTime') return new Date().toISOString();
  if (scalar === 'JSON') return {};
  // String
  if (/password/.test(n)) return n.includes('new') ? 'fuzz-new-passphrase-8271' : PLAUSIBLE_WRONG_PASSWORD;
  if (/email|^to$/.test(n)) return freshEmail();
  if (/token/.test(n)) return `fuzz-token-${crypto.randomUUID()}`;
  if (n === 'confirmslug') return 'not-the-slug';
  if (/slug/.test(n)) return fx.orgSlug;
  if (/firstname|lastname/.test(n)) return 'Fuzz';
  if (/name/.test(n)) return `Fuzz ${Math.random().toString(36).slice(2, 7)}`;
  if (/description/.test(n)) return 'A role made by the fuzzer';
  if (n === 'search') return 'a';
  if (n === 'permission') return 'members:read';
  if (n === 'rolekey') return 'viewer';
  if (n === 'type') return 'project';
  if (n === 'action') return 'membership.';
  if (n === 'targetid') return crypto.randomUUID();
  return 'fuzz';
}

/** Hostile values for one argument or input field of the given type (into input objects, 3 levels). */
export function hostileValues(type: GraphQLInputType, name: string, fieldPath: string, fx: Fixtures, depth = 0): Hostile[] {
  const out: Hostile[] = [];
  let t = type;
  if (isNonNullType(t)) {
    out.push({ cls: 'null-for-required', value: null });
    t = t.ofType;
  }
  if (isListType(t)) {
    const item = plausible(t.ofType, name.replace(/s$/, ''), fieldPath, fx);
    const itemValue = Array.isArray(item) ? item[0] : item;
    out.push({ cls: 'list:10000-items', value: Array.from({ length: 10_000 }, () => itemValue) });
    out.push({ cls: 'list:object-for-list', value: { a: 1 } });
    if (isNonNullType(t.ofType)) out.push({ cls: 'list:null-item', value: [itemValue, null] });
    out.push({ cls: 'list:nested-list', value: [[itemValue]] });
    for (const h of hostileValues(t.ofType, name.replace(/s$/, ''), fieldPath, fx, depth)) {
      if (h.cls === 'null-for-required' || h.cls.startsWith('list:')) continue;
      out.push({ ...h, value: [h.value], at: `.0${h.at ?? ''}` });
    }
    return out;
  }
  if (isInputObjectType(t)) {
    const base = plausible(t, name, fieldPath, fx) as Record<string, unknown>;
    out.push({ cls: 'type:string-for-object', value: 'fuzz' });
    out.push({ cls: 'type:list-for-object', value: [base, base] });
    out.push({ cls: 'object:empty', value: {} });
    out.push({ cls: 'object:unknown-field', value: { ...base, isPlatformAdmin: true } });
    out.push({
      cls: 'object:proto-pollution',
      value: new RawJson(JSON.stringify(base).replace(/^\{/, '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},').replace(/,\}$/, '}')),
    });
    if (depth < 3) {
      for (const f of Object.values(t.getFields())) {
        for (const h of hostileValues(f.type, f.name, `${fieldPath}.${f.name}`, fx, depth + 1)) {
          const obj = { ...(plausible(t, name, fieldPath, fx) as Record<string, unknown>), [f.name]: h.value };
          out.push({ ...h, value: obj, at: `.${f.name}${h.at ?? ''}` });
        }
      }
    }
    return out;
  }
  if (isEnumType(t)) return [...out, ...enumValues(t.getValues().map((v) => v.name))];
  const scalar = (t as GraphQLNamedType).name;
  if (scalar === 'ID') {
    const otherType = /organization|^org/i.test(name) ? fx.victimUserGid : fx.orgGid;
    return [...out, ...idValues(otherType)];
  }
  if (scalar === 'Int' || scalar === 'Float') return [...out, ...intValues()];
  if (scalar === 'Boolean') return [...out, ...booleanValues()];
  if (scalar === 'DateTime') return [...out, ...dateTimeValues()];
  if (scalar === 'String') {
    if (/^(after|before)$/.test(name)) return [...out, ...cursorValues(fx)];
    return [...out, ...stringValues()];
  }
  return [...out, ...otherScalarValues()];
}

// ---------------------------------------------------------------- selections

function scalarFieldsOf(type: GraphQLNamedType): { name: string; type: string }[] {
  if (!isObjectType(type) && !isInterfaceType(type)) return [];
  const fields = Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)) && isLeafType(getNamedType(f.type)));
  const preferred = ['id', 'message', 'ok', 'email', 'name', 'status', 'deletedId'];
  fields.sort((a, b) => {
    const ia = preferred.indexOf(a.name);
    const ib = preferred.indexOf(b.name);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  // Never select secrets back (tokens, temporary passwords): not needed, and kept out of failure logs.
  return fields
    .filter((f) => !/token|password/i.test(f.name))
    .slice(0, 3)
    .map((f) => ({ name: f.name, type: String(f.type) }));
}

/** A small selection set for an output type ('' for leaves). */
export function selectionFor(type: GraphQLOutputType, schema: GraphQLSchema): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isUnionType(named) || isInterfaceType(named)) {
    const members = schema.getPossibleTypes(named);
    const seen = new Map<string, string>();
    const parts: string[] = ['__typename'];
    if (isInterfaceType(named) && named.getFields()['id']) parts.push('id');
    for (const m of members) {
      // Same-named fields of different types in two members would not merge: keep the first type only.
      const fields = scalarFieldsOf(m).filter((f) => {
        if (isInterfaceType(named) && f.name === 'id') return false;
        const prior = seen.get(f.name);
        if (prior !== undefined && prior !== f.type) return false;
        seen.set(f.name, f.type);
        return true;
      });
      parts.push(`... on ${m.name} { __typename ${fields.map((f) => f.name).join(' ')} }`);
    }
    return `{ ${parts.join(' ')} }`;
  }
  const fields = scalarFieldsOf(named);
  return `{ __typename ${fields.map((f) => f.name).join(' ')} }`;
}

// ---------------------------------------------------------------- cases

export interface FuzzCase {
  /** e.g. Mutation.signIn */
  field: string;
  /** The attacked argument path, e.g. `email`, `input.name`, `members.0.email`, `members(search)`. */
  target: string;
  cls: string;
  kind: 'query' | 'mutation';
  query: string;
  variables: Record<string, unknown>;
  hostileText?: string;
  /** The root field's response key. */
  rootField: string;
  /** The operation ends the caller's session (signOut, signOutEverywhere): use throwaway tokens. */
  endsSession?: boolean;
  /** Also sent as the member principal. */
  asMember?: boolean;
}

function varDecl(name: string, type: GraphQLInputType) {
  return `$${name}: ${String(type)}`;
}

/** Builds `root(args) { ... }` with variables for every present argument. */
function operation(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  values: Map<string, unknown>,
  schema: GraphQLSchema,
  nested?: { sub: GraphQLField<unknown, unknown>; values: Map<string, unknown> },
): { query: string; variables: Record<string, unknown> } {
  const decls: string[] = [];
  const variables: Record<string, unknown> = {};
  const args: string[] = [];
  for (const a of field.args) {
    if (!values.has(a.name)) continue;
    decls.push(varDecl(a.name, a.type));
    variables[a.name] = values.get(a.name);
    args.push(`${a.name}: $${a.name}`);
  }
  let selection: string;
  if (nested) {
    const subArgs: string[] = [];
    for (const a of nested.sub.args) {
      if (!nested.values.has(a.name)) continue;
      decls.push(varDecl(`s_${a.name}`, a.type));
      variables[`s_${a.name}`] = nested.values.get(a.name);
      subArgs.push(`${a.name}: $s_${a.name}`);
    }
    const subSel = selectionFor(nested.sub.type, schema);
    selection = `{ __typename ${nested.sub.name}${subArgs.length ? `(${subArgs.join(', ')})` : ''} ${subSel} }`;
  } else {
    selection = selectionFor(field.type, schema);
  }
  const query = `${kind} Fuzz${decls.length ? `(${decls.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${selection} }`;
  return { query, variables };
}

function requiredValues(field: GraphQLField<unknown, unknown>, owner: string, fx: Fixtures): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const a of field.args) {
    if (isNonNullType(a.type) && a.defaultValue === undefined) values.set(a.name, plausible(a.type, a.name, `${owner}.${a.name}`, fx));
  }
  return values;
}

export interface GeneratedCases {
  cases: FuzzCase[];
  fields: string[];
  /** Documents my generator built that graphql-js itself refuses (a bug in the generator). */
  invalidDocuments: string[];
}

export function generateCases(schema: GraphQLSchema, fx: Fixtures): GeneratedCases {
  const cases: FuzzCase[] = [];
  const fields: string[] = [];
  const roots: ['query' | 'mutation', ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ];
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const owner = `${root.name}.${field.name}`;
      fields.push(owner);
      const push = (target: string, h: Hostile, built: { query: string; variables: Record<string, unknown> }) =>
        cases.push({ field: owner, target: `${target}${h.at ?? ''}`, cls: h.cls, kind, query: built.query, variables: built.variables, hostileText: h.text, rootField: field.name });

      if (field.args.length === 0) {
        cases.push({
          field: owner,
          target: '(no arguments)',
          cls: 'no-arguments',
          kind,
          ...operation(kind, field, new Map(), schema),
          rootField: field.name,
          endsSession: kind === 'mutation',
        });
      }
      for (const arg of field.args as readonly GraphQLArgument[]) {
        const base = requiredValues(field, owner, fx);
        for (const h of hostileValues(arg.type, arg.name, `${owner}.${arg.name}`, fx)) {
          const values = new Map(base);
          values.set(arg.name, h.value);
          push(arg.name, h, operation(kind, field, values, schema));
        }
      }
      // Nested arguments: query fields returning an object whose fields take arguments.
      const named = getNamedType(field.type);
      if (kind === 'query' && isObjectType(named)) {
        for (const sub of Object.values(named.getFields())) {
          if (sub.args.length === 0) continue;
          for (const arg of sub.args) {
            for (const h of hostileValues(arg.type, arg.name, `${named.name}.${sub.name}.${arg.name}`, fx)) {
              const subValues = requiredValues(sub, `${named.name}.${sub.name}`, fx);
              subValues.set(arg.name, h.value);
              push(`${sub.name}(${arg.name})`, h, operation(kind, field, requiredValues(field, owner, fx), schema, { sub, values: subValues }));
            }
          }
        }
      }
    }
  }
  // The generator must only ever send valid documents: the attack is in the values.
  const invalidDocuments: string[] = [];
  const checked = new Set<string>();
  for (const c of cases) {
    if (checked.has(c.query)) continue;
    checked.add(c.query);
    const errors = validate(schema, parse(c.query));
    if (errors.length) invalidDocuments.push(`${c.field} ${c.target}: ${errors[0]!.message}`);
  }
  // A sample of cases also goes out as an org admin (every third one).
  cases.forEach((c, i) => {
    c.asMember = i % 3 === 0;
  });
  return { cases, fields, invalidDocuments };
}

/** Inline-literal variants for a few classes: the hostile value written into the document itself. */
export function literalCases(schema: GraphQLSchema, fx: Fixtures): FuzzCase[] {
  const out: FuzzCase[] = [];
  const literals: { cls: string; forType: 'String' | 'Int'; text: string; hostileText?: string }[] = [
    { cls: 'literal:nul-escape', forType: 'String', text: '"fuzz\\u0000name"' },
    { cls: 'literal:bidi-override', forType: 'String', text: '"fuzz\\u202Egnp.exe"' },
    { cls: 'literal:lone-surrogate', forType: 'String', text: '"fuzz\\uD800name"' },
    { cls: 'literal:raw-control-char', forType: 'String', text: '"fuzz\u0007name"' },
    { cls: 'literal:300KB', forType: 'String', text: JSON.stringify(BIG_300K), hostileText: BIG_300K },
    { cls: 'literal:block-string-100KB', forType: 'String', text: `"""${BIG_100K}"""`, hostileText: BIG_100K },
    { cls: 'literal:int-overflow', forType: 'Int', text: '2147483648' },
    { cls: 'literal:int-huge-digits', forType: 'Int', text: '9'.repeat(5000) },
    { cls: 'literal:float-for-int', forType: 'Int', text: '1e9' },
  ];
  for (const [kind, root] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const owner = `${root.name}.${field.name}`;
      for (const arg of field.args) {
        const named = getNamedType(arg.type);
        if (isListType(isNonNullType(arg.type) ? arg.type.ofType : arg.type) || !isScalarType(named)) continue;
        for (const lit of literals) {
          if (named.name !== lit.forType) continue;
          const values = requiredValues(field, owner, fx);
          values.delete(arg.name);
          const built = operation(kind, field, values, schema);
          // Insert the literal as one more argument of the root field.
          const query = built.query.replace(new RegExp(`\\{ ${field.name}(\\(([^)]*)\\))?`), (_m, _p, inner: string | undefined) =>
            `{ ${field.name}(${[inner, `${arg.name}: ${lit.text}`].filter(Boolean).join(', ')})`,
          );
          out.push({ field: owner, target: arg.name, cls: lit.cls, kind, query, variables: built.variables, hostileText: lit.hostileText, rootField: field.name });
        }
      }
    }
  }
  out.forEach((c, i) => {
    c.asMember = i % 3 === 0;
  });
  return out;
}
