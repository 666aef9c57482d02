import { builder } from '../builder.ts';
import { UserRef } from '../types/user.ts';

builder.queryField('viewer', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user, with their memberships. Null when not signed in. Allowed during a forced password change.',
    // The signed-in person: a service account (no session, refused this field anyway) is nobody's viewer.
    resolve: (_root, _args, ctx) => ctx.principal?.user ?? null,
  }),
);
