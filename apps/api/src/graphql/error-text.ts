import { GraphQLError } from 'graphql';

/**
 * What a client may read of an error: graphql-js and the relay plugin quote a refused value in their
 * messages, so a hostile 200 KB value is not echoed back whole; with introspection off, hints that
 * name schema elements ("Did you mean …?") are cut.
 */
export function presentable(error: GraphQLError, hideSuggestions: boolean): GraphQLError {
  let text = hideSuggestions ? withoutSuggestions(error.message) : error.message;
  if (text.length > 500) text = `${text.slice(0, 300)}…`;
  if (text === error.message) return error;
  return new GraphQLError(text, { nodes: error.nodes, path: error.path, extensions: error.extensions });
}

export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}
