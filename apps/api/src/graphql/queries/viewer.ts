import { builder } from '../builder.ts';
import { UserRef } from '../types/user.ts';

builder.queryField('viewer', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user, with their memberships. Null when not signed in. Allowed during a forced password change.',
    resolve: (_root, _args, ctx) => ctx.user,
  }),
);
