import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export const LIMITS = { maxDepth: 12, maxAliases: 30, maxCost: 100_000, defaultListSize: 50, maxPage: 100 };

/**
 * Depth, alias and cost limits as validation rules, so abusive documents are refused before they run.
 * Cost: each field costs 1, multiplied by the `first` (or default page size) of every list above it.
 */
export function limitRules(limits = LIMITS) {
  return [(context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const def of context.getDocument().definitions) {
        if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      }
      let aliases = 0;
      const walk = (set: SelectionSetNode, depth: number, multiplier: number, seen: Set<string>): number => {
        if (depth > limits.maxDepth) throw new LimitError(`Query is deeper than ${limits.maxDepth} levels`);
        let cost = 0;
        for (const sel of set.selections) {
          if (sel.kind === Kind.FIELD) {
            if (sel.alias) aliases += 1;
            const fieldCost = multiplier;
            cost += fieldCost;
            if (sel.selectionSet) {
              cost += walk(sel.selectionSet, depth + 1, multiplier * pageSize(sel, limits.defaultListSize), seen);
            }
          } else if (sel.kind === Kind.INLINE_FRAGMENT) {
            cost += walk(sel.selectionSet, depth, multiplier, seen);
          } else {
            const name = sel.name.value;
            const frag = fragments.get(name);
            if (!frag || seen.has(name)) continue; // cycles are reported by the standard rules
            cost += walk(frag.selectionSet, depth, multiplier, new Set([...seen, name]));
          }
        }
        return cost;
      };
      try {
        const cost = walk(node.selectionSet, 1, 1, new Set());
        if (aliases > limits.maxAliases) throw new LimitError(`Query uses more than ${limits.maxAliases} aliases`);
        if (cost > limits.maxCost) throw new LimitError(`Query cost ${cost} exceeds ${limits.maxCost}`);
      } catch (error) {
        if (!(error instanceof LimitError)) throw error;
        context.reportError(new GraphQLError(error.message, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
      }
    },
  })];
}

class LimitError extends Error {}

function pageSize(field: FieldNode, fallback: number): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  if (arg?.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  // Validation cannot see variable values: a variable page size counts as the default page. Pages are
  // capped at maxPage by the resolvers, so the estimate is off by at most maxPage/defaultListSize per level.
  if (arg) return fallback;
  return field.name.value.endsWith('s') ? fallback / 5 : 1;
}
