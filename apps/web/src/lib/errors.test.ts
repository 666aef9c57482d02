// The shared ErrorFields fragment: a component reads a masked error payload through lib/errors.ts.
import { describe, expect, it } from 'vitest';
import { maskFragments } from 'gql.tada';
import { ErrorFields } from '../graphql/fragments.ts';
import { failureMessage, fieldErrors, readError } from './errors.ts';

const validation = {
  __typename: 'ValidationError' as const,
  ...maskFragments([ErrorFields], {
    message: 'Invalid input',
    issues: [
      { path: ['input', 'email'], message: 'Not a valid email address' },
      { path: ['input', 'roles', '0'], message: 'Unknown role' },
    ],
  }),
};
const conflict = { __typename: 'ConflictError' as const, ...maskFragments([ErrorFields], { message: 'That slug is taken' }) };

describe('ErrorFields (issue 13 §9)', () => {
  it('reads message and issues from a masked payload', () => {
    expect(readError(conflict)).toEqual({ message: 'That slug is taken', issues: [] });
    expect(readError(validation)?.issues).toHaveLength(2);
    expect(failureMessage(conflict, undefined, 'Organization')).toBe('That slug is taken');
    expect(failureMessage(validation, undefined)).toBe('Not a valid email address Unknown role');
    expect(fieldErrors(validation)).toEqual({ email: 'Not a valid email address', roles: 'Unknown role' });
  });

  it('a success payload is no error, whatever it is called', () => {
    expect(readError({ __typename: 'Organization' })).toBeNull();
    expect(failureMessage({ __typename: 'Organization' }, undefined, 'Organization')).toBeNull();
    expect(failureMessage({ __typename: 'Organization' }, undefined)).toBeNull();
    expect(fieldErrors({ __typename: 'Organization' })).toEqual({});
  });

  it('still reads payloads that select their error fields themselves (not yet converted)', () => {
    const old = { __typename: 'ValidationError', message: 'Invalid input', issues: [{ path: ['input', 'name'], message: 'Too long' }] };
    expect(failureMessage(old, undefined, 'Role')).toBe('Too long');
    expect(fieldErrors(old)).toEqual({ name: 'Too long' });
  });

  it('without a payload, says why the request failed', () => {
    expect(failureMessage(null, undefined)).toBe('Something went wrong.');
  });
});
