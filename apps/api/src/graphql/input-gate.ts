import SchemaBuilder, { BasePlugin, type PothosInputFieldConfig, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import {
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLFieldResolver,
} from 'graphql';
import { MAX_LIST_ITEMS, TEXT_LIMITS, normalizeName, textIssue, type TextKind } from '@gatehouse/permissions';
import { wrapOrThrow } from '@pothos/plugin-errors';
import { ValidationError, type FieldIssue } from '../errors.ts';

/**
 * The one gate every argument passes (R18, R22), before scope checks, database calls or password
 * hashes: each string is bounded by the limit its name gives it (published in the schema as
 * `maxLength` extension and in the description), refused with controls, bidirectional overrides or
 * unpaired surrogates, and names are normalized (NFC, trimmed). Lists hold at most MAX_LIST_ITEMS.
 * A field whose result union has ValidationError answers with it; any other answers BAD_USER_INPUT.
 */
export function textKindOf(name: string, typeName: string): TextKind {
  if (typeName === 'ID') return 'id';
  if (name === 'emails') return 'addressList';
  if (/^(email|to|newEmail)$/i.test(name)) return 'email';
  if (/password$/i.test(name)) return 'password';
  if (/^(name|firstName|lastName)$/.test(name)) return 'name';
  if (/slug$/i.test(name)) return 'slug';
  if (name === 'search') return 'search';
  if (name === 'description') return 'description';
  if (/token$/i.test(name)) return 'token';
  if (/^(permission|permissions|roleKey|roleKeys|key|type|action|resourceType)$/.test(name)) return 'key';
  if (/id$/i.test(name)) return 'id';
  return 'other';
}

interface TextExtension {
  maxLength: number;
  kind: TextKind;
}


/** 'String' or 'ID' for a text argument (or a list of them), else undefined. */
function textTypeName<Types extends SchemaTypes>(type: PothosInputFieldConfig<Types>['type']): string | undefined {
  const named = type.kind === 'List' ? type.type : type;
  if (named.kind === 'List' || named.kind === 'InputObject') return undefined;
  const name = typeof named.ref === 'string' ? named.ref : (named.ref as { name?: string }).name;
  return name === 'String' || name === 'ID' ? name : undefined;
}

export class InputGatePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onInputFieldConfig(fieldConfig: PothosInputFieldConfig<Types>): PothosInputFieldConfig<Types> {
    const typeName = textTypeName(fieldConfig.type);
    // `textGate: 'service'`: the service checks this value itself, later (sign-in counts every
    // attempt before judging its input). The body limit still bounds it.
    if (!typeName || fieldConfig.extensions?.['textGate'] === 'service') return fieldConfig;
    const kind = textKindOf(fieldConfig.name, typeName);
    const maxLength = TEXT_LIMITS[kind];
    const limit = `At most ${maxLength} characters${fieldConfig.type.kind === 'List' ? ` each, ${MAX_LIST_ITEMS} items` : ''}.`;
    return {
      ...fieldConfig,
      description: fieldConfig.description ? `${fieldConfig.description} ${limit}` : limit,
      extensions: { ...fieldConfig.extensions, text: { maxLength, kind } satisfies TextExtension },
    };
  }

  // wrapArgMappers, not wrapResolve: Pothos maps arguments (the relay plugin decodes global IDs)
  // before any wrapResolve runs, and this gate must see the raw values first.
  override wrapArgMappers(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    // The errors plugin's resolved list (explicit and default types) for this field's result union.
    const errorTypes = (fieldConfig.extensions?.['pothosErrors'] ?? []) as (new (...args: never[]) => Error)[];
    const typedValidation = errorTypes.includes(ValidationError);
    return (parent, args, context, info) => {
      const field = info.parentType.getFields()[info.fieldName] as GraphQLField<unknown, unknown>;
      const issues = checkArguments(field.args, args as Record<string, unknown>);
      if (issues.length === 0) return resolver(parent, args, context, info);
      // This gate runs outside the errors plugin (before scope checks), so it marks the error as the
      // union member itself, exactly as that plugin would.
      if (typedValidation) return wrapOrThrow(new ValidationError(issues), errorTypes, undefined);
      throw new GraphQLError(`Invalid input: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
        extensions: { code: 'BAD_USER_INPUT', issues },
      });
    };
  }
}

/** Checks (and normalizes in place) every argument value; returns the problems, each naming its field. */
export function checkArguments(definitions: readonly GraphQLArgument[], args: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const def of definitions) {
    if (args[def.name] === undefined || args[def.name] === null) continue;
    const text = def.extensions?.['text'] as TextExtension | undefined;
    args[def.name] = walk(args[def.name], def.type, text, [def.name], issues);
  }
  return issues;
}

function walk(value: unknown, type: GraphQLInputType, text: TextExtension | undefined, path: string[], issues: FieldIssue[]): unknown {
  if (value === null || value === undefined) return value;
  if (isNonNullType(type)) return walk(value, type.ofType, text, path, issues);
  if (isListType(type)) {
    if (!Array.isArray(value)) return walk(value, type.ofType, text, path, issues);
    if (value.length > MAX_LIST_ITEMS) {
      issues.push({ path, message: `Use at most ${MAX_LIST_ITEMS} items` });
      return value;
    }
    return value.map((item, i) => walk(item, type.ofType, text, [...path, String(i)], issues));
  }
  if (isInputObjectType(type)) {
    const record = value as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) {
      if (record[field.name] === undefined || record[field.name] === null) continue;
      const fieldText = field.extensions?.['text'] as TextExtension | undefined;
      record[field.name] = walk(record[field.name], field.type, fieldText, [...path, field.name], issues);
    }
    return record;
  }
  if (isScalarType(type) && text) {
    // Global IDs are decoded by the relay plugin only after this gate: here they are still strings.
    if (typeof value !== 'string') return value;
    const problem = textIssue(value, { maxLength: text.maxLength, multiline: text.kind === 'description' || text.kind === 'addressList' });
    if (problem) {
      issues.push({ path, message: problem });
      return value;
    }
    if (text.kind === 'name') return normalizeName(value);
    return text.kind === 'description' ? value.normalize('NFC').trim() : value;
  }
  return value;
}

SchemaBuilder.registerPlugin('inputGate', InputGatePlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      inputGate: InputGatePlugin<Types>;
    }
  }
}
