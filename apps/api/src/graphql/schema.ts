import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/errors.ts';
import './types/user.ts';
import './types/organization.ts';
import './types/membership.ts';
import './types/role.ts';
import './types/audit-event.ts';
import './types/organization-fields.ts';
import './queries/viewer.ts';
import './queries/organizations.ts';
import './queries/permissions.ts';
import './mutations/auth.ts';
import './mutations/members.ts';
import './mutations/users.ts';
import './mutations/organizations.ts';
import './mutations/roles.ts';

export const schema = lexicographicSortSchema(builder.toSchema());
