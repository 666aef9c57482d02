// What the API schema this build was typed against offers (the invitation flow lands later).
import { introspection } from '../graphql/introspection.ts';

function fieldsOf(typeName: string): Set<string> {
  const type = introspection.__schema.types.find((t) => t.name === typeName);
  return new Set(type && 'fields' in type && type.fields ? type.fields.map((f: { name: string }) => f.name) : []);
}

const mutations = fieldsOf('Mutation');

export const schemaSupports = {
  invitations: mutations.has('inviteMembers'),
};
