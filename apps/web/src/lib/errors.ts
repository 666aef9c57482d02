import type { CombinedError } from 'urql';
import { t } from '@lingui/core/macro';
import { readFragment, type FragmentOf, type ResultOf } from '../graphql/graphql.ts';
import { ErrorFields } from '../graphql/fragments.ts';

/** A payload still selecting its error fields itself (`... on Error { message }`), before masking. */
export interface TypedPayload {
  __typename: string;
  message?: string;
  issues?: readonly { path: readonly string[]; message: string }[];
}

/**
 * Any member of a result union: one spreading the masked `...ErrorFields`, or a TypedPayload (which
 * still selects its error fields itself). Its error fields are read with `readError`.
 */
export type Payload = { __typename: string };

export interface ErrorData {
  message: string;
  issues: readonly { path: readonly string[]; message: string }[];
}

// At run time a masked payload holds every selected field (masking is a type), so a member of the
// union is an error exactly when it carries the Error interface's `message`.
function isError(payload: object): payload is FragmentOf<typeof ErrorFields> {
  return 'message' in payload && typeof payload.message === 'string' && payload.message !== '';
}

function issuesOf(error: ResultOf<typeof ErrorFields>): ErrorData['issues'] {
  return 'issues' in error && error.issues ? error.issues : [];
}

/**
 * The ErrorFields of a payload (its message and, for a ValidationError, its issues), read through
 * the masked fragment; null when the payload is not an error. Takes unmasked payloads too.
 */
export function readError(payload: Payload | null | undefined, okTypename?: string): ErrorData | null {
  if (!payload || payload.__typename === okTypename || !isError(payload)) return null;
  const error = readFragment(ErrorFields, payload);
  return { message: error.message, issues: issuesOf(error) };
}

/** The message of a typed error payload (any `...ErrorFields`), or of a top-level error; null on success. */
export function failureMessage(payload: Payload | null | undefined, error: CombinedError | undefined, okTypename?: string): string | null {
  const failed = readError(payload);
  if (payload && (okTypename ? payload.__typename === okTypename : !failed)) return null;
  if (failed) {
    if (failed.issues.length) return failed.issues.map((i) => i.message).join(' ');
    return failed.message;
  }
  if (error) {
    const gql = error.graphQLErrors[0];
    if (gql?.extensions?.code === 'FORBIDDEN') return t`You do not have permission to do this.`;
    return gql?.message ?? (error.networkError ? t`Could not reach the server. Check your connection and try again.` : error.message);
  }
  return payload ? null : t`Something went wrong.`;
}

/** Field errors of a ValidationError, keyed by the last path element (e.g. "email"). */
export function fieldErrors(payload: Payload | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of readError(payload)?.issues ?? []) {
    const key = issue.path.filter((p) => !/^\d+$/.test(p) && p !== 'input').join('.') || '_';
    out[key] ??= issue.message;
    const last = issue.path.at(-1);
    if (last && !/^\d+$/.test(last)) out[last] ??= issue.message;
  }
  return out;
}
