import type { CombinedError } from 'urql';
import { t } from '@lingui/core/macro';

export interface TypedPayload {
  __typename: string;
  message?: string;
  issues?: readonly { path: readonly string[]; message: string }[];
}

/** The message of a typed error payload (any `... on Error`), or of a top-level error; null on success. */
export function failureMessage(payload: TypedPayload | null | undefined, error: CombinedError | undefined, okTypename?: string): string | null {
  if (payload && (okTypename ? payload.__typename === okTypename : !('message' in payload && payload.message))) return null;
  if (payload?.message) {
    if (payload.issues?.length) return payload.issues.map((i) => i.message).join(' ');
    return payload.message;
  }
  if (error) {
    const gql = error.graphQLErrors[0];
    if (gql?.extensions?.code === 'FORBIDDEN') return t`You do not have permission to do this.`;
    return gql?.message ?? (error.networkError ? t`Could not reach the server. Check your connection and try again.` : error.message);
  }
  return payload ? null : t`Something went wrong.`;

}

/** Field errors of a ValidationError, keyed by the last path element (e.g. "email"). */
export function fieldErrors(payload: TypedPayload | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of payload?.issues ?? []) {
    const key = issue.path.filter((p) => !/^\d+$/.test(p) && p !== 'input').join('.') || '_';
    out[key] ??= issue.message;
    const last = issue.path.at(-1);
    if (last && !/^\d+$/.test(last)) out[last] ??= issue.message;
  }
  return out;
}
