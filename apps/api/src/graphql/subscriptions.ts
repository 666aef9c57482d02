import { GraphQLError } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from './builder.ts';
import { AuthError } from '../errors.ts';
import { liveOf } from '../modules/live/live.service.ts';
import { ACCESS_CHANGE_KINDS, TooManyStreamsError, type AccessChange } from '../modules/live/live.hub.ts';

const AccessChangeKindEnum = builder.enumType('AccessChangeKind', {
  description: 'What changed: roles (of a membership, a role, a resource grant), a membership, the organization, the account; RESYNC: events may have been missed.',
  values: ACCESS_CHANGE_KINDS,
});

const AccessChangeRef = builder.objectRef<AccessChange>('AccessChange').implement({
  description: "A change to the viewer's access (R25): read the viewer's memberships and permissions again.",
  fields: (t) => ({
    kind: t.field({ type: AccessChangeKindEnum, resolve: (change) => change.kind }),
    organizationId: t.id({
      nullable: true,
      description: 'The organization concerned, when one is: always one the viewer belongs or belonged to.',
      resolve: (change) => (change.organizationId ? encodeGlobalID('Organization', change.organizationId) : null),
    }),
  }),
});

builder.subscriptionField('accessChanged', (t) =>
  t.field({
    type: AccessChangeRef,
    description:
      "Changes to the signed-in user's roles, memberships, organizations and account, as they commit, over server-sent events (R25). The stream ends when the session or the account ends.",
    subscribe: (_root, _args, ctx) => {
      // A person with a live session only: tokens and service accounts have no SPA to keep current.
      if (ctx.serviceAccount || ctx.principal?.credential) throw new AuthError('FORBIDDEN', 'Only a signed-in person can follow their access');
      if (!ctx.user || !ctx.principal) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
      const live = liveOf(ctx.app);
      if (!live) throw new GraphQLError('Live access is not running in this process', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
      const orgIds = [...(ctx.principal.grants?.keys() ?? [])];
      try {
        return live.hub.open(ctx.principal.user.id, ctx.principal.sessionId, orgIds);
      } catch (error) {
        if (error instanceof TooManyStreamsError) throw new GraphQLError(error.message, { extensions: { code: 'RATE_LIMITED' } });
        throw error;
      }
    },
    resolve: (change) => change,
  }),
);
