import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/errors.ts';
import './types/user.ts';
import './types/organization.ts';
import './types/membership.ts';
import './types/role.ts';
import './queries/viewer.ts';
import './mutations/auth.ts';

export const schema = lexicographicSortSchema(builder.toSchema());
