import { GraphQLError, Kind, getOperationAST, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';

/**
 * Mutations a personal access token may call (R23): changes inside its one organization, each
 * still gated by its permission subset. Everything about an account (passwords, email, sessions,
 * leaving, deleting), ownership moves, resource grants (checked against the person's resource
 * roles, not the token's subset), temporary-password resets and the token mutations themselves
 * need a person signed in with a session.
 */
export const CREDENTIAL_MUTATIONS: ReadonlySet<string> = new Set([
  'inviteMembers',
  'resendInvitation',
  'revokeInvitation',
  'provisionMembers',
  'setMemberRoles',
  'setMembershipStatus',
  'removeMember',
  'updateOrganization',
  'createRole',
  'updateRole',
  'deleteRole',
]);

/**
 * Root fields a service account may use (R23): the permission-check API and what describes it, and
 * reading its organization as a member would (organization, node: members, roles, invitations,
 * audit log, each still gated by the account's roles). The rest of the schema is about people
 * (their sessions, their account, their memberships, platform administration) and assumes one.
 */
export const SERVICE_ACCOUNT_FIELDS: ReadonlySet<string> = new Set([
  'checkPermissions',
  'whoCan',
  'accessibleResources',
  'explainPermission',
  'can',
  'currentServiceAccount',
  'permissionCatalog',
  'preset',
  'organization',
  'organizations',
  'node',
  'nodes',
  'lookupUser',
]);

/**
 * Mutations a service account may call: the organization mutations a token may call (members,
 * invitations, roles, settings; within its roles and the grant ceiling, R3), and rotating its own
 * key (the service switches without a person). Managing credentials, webhooks, resource grants and
 * anything about an account needs a person signed in.
 */
export const SERVICE_ACCOUNT_MUTATIONS: ReadonlySet<string> = new Set([...CREDENTIAL_MUTATIONS, 'rotateServiceAccountKey']);

/** Root field names of a selection set, through inline fragments and fragment spreads. */
function rootFields(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  return set.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFields(selection.selectionSet, fragments, seen);
    const name = selection.name.value;
    const fragment = fragments.get(name);
    if (!fragment || seen.has(name)) return [];
    seen.add(name);
    return rootFields(fragment.selectionSet, fragments, seen);
  });
}

export function refusedForCredential(document: DocumentNode, operationName: string | null | undefined): string | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation === 'query') return undefined;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  return rootFields(operation.selectionSet, fragments).find((name) => name !== '__typename' && !CREDENTIAL_MUTATIONS.has(name)) ?? (operation.operation === 'subscription' ? 'subscription' : undefined);
}

export function refusedForServiceAccount(document: DocumentNode, operationName: string | null | undefined): string | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  if (operation.operation === 'subscription') return operation.operation;
  const allowed = operation.operation === 'query' ? SERVICE_ACCOUNT_FIELDS : SERVICE_ACCOUNT_MUTATIONS;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  return rootFields(operation.selectionSet, fragments).find((name) => name !== '__typename' && !allowed.has(name));
}

/**
 * Refuses, before execution, what a credential may not call: a mutation outside the list for a
 * personal access token, anything outside its two lists for a service account.
 */
export function credentialGate(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Partial<Context>;
      let message: string | undefined;
      if (ctx.serviceAccount) {
        const refused = refusedForServiceAccount(args.document, args.operationName);
        if (refused) message = `A service account cannot call ${refused}`;
      } else if (ctx.principal?.credential) {
        const refused = refusedForCredential(args.document, args.operationName);
        if (refused) message = `A personal access token cannot call ${refused}: sign in as a person`;
      }
      if (message) setResultAndStopExecution({ errors: [new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } })] });
    },
  };
}
