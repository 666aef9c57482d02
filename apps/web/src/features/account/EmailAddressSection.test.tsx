import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { maskFragments } from 'gql.tada';
import { ChangeEmailForm, EmailAddressSection } from './EmailAddressSection.tsx';
import { mockClient, renderWith } from '../../test/render.tsx';
import { AccountEmailFields } from './queries.ts';

const ME = { __typename: 'User' as const, id: 'u1', email: 'ada@example.com', emailVerified: false, pendingEmail: null };

function form() {
  return screen.getByRole('form', { name: 'Change email' });
}

// Many typed keystrokes through Mantine inputs: generous on a busy machine.
describe('ChangeEmailForm (R20)', { timeout: 30_000 }, () => {
  it('checks the address with the shared rule before asking the API', async () => {
    const { client, calls } = mockClient(() => undefined);
    const user = userEvent.setup({ delay: null });
    renderWith(<ChangeEmailForm currentEmail="ada@example.com" />, { client });
    await user.type(within(form()).getByLabelText(/New email address/), 'ada@@example');
    await user.click(within(form()).getByRole('button', { name: 'Change email' }));
    expect(await screen.findByText('Not a valid email address')).toBeInTheDocument();
    expect(screen.getByText('Enter your current password')).toBeInTheDocument();

    // Case and surrounding spaces do not make another address.
    await user.clear(within(form()).getByLabelText(/New email address/));
    await user.type(within(form()).getByLabelText(/New email address/), '  ADA@Example.com ');
    await user.type(within(form()).getByLabelText(/Current password/), 'secret');
    await user.click(within(form()).getByRole('button', { name: 'Change email' }));
    expect(await screen.findByText('This is already your email address')).toBeInTheDocument();
    expect(calls.filter((c) => c.name === 'RequestEmailChange')).toEqual([]);
  });

  it('shows the API’s field errors by path, then the confirmation notice', async () => {
    let attempt = 0;
    const { client, calls } = mockClient((name, variables) => {
      if (name !== 'RequestEmailChange') return undefined;
      attempt += 1;
      if (attempt === 1) {
        return {
          requestEmailChange: {
            __typename: 'ValidationError',
            message: 'Check the highlighted fields',
            issues: [
              { __typename: 'FieldIssue', path: ['currentPassword'], message: 'The current password is incorrect' },
              { __typename: 'FieldIssue', path: ['newEmail'], message: 'Use another address' },
            ],
          },
        };
      }
      if (attempt === 2) {
        return { requestEmailChange: { __typename: 'ConflictError', message: 'Another account already uses this email', path: ['newEmail'] } };
      }
      return { requestEmailChange: { ...ME, pendingEmail: String(variables.newEmail).toLowerCase() } };
    });
    const user = userEvent.setup({ delay: null });
    renderWith(<ChangeEmailForm currentEmail="ada@example.com" />, { client });
    const newEmail = within(form()).getByLabelText(/New email address/);
    const password = within(form()).getByLabelText(/Current password/);
    await user.type(newEmail, 'Ada.Lovelace@Example.org');
    await user.type(password, 'wrong password');
    await user.click(within(form()).getByRole('button', { name: 'Change email' }));
    expect(await screen.findByText('The current password is incorrect')).toBeInTheDocument();
    expect(screen.getByText('Use another address')).toBeInTheDocument();
    // Each message belongs to its field.
    expect(password).toHaveAccessibleDescription(/The current password is incorrect/);
    expect(newEmail).toHaveAccessibleDescription(/Use another address/);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('email-change-sent')).toBeNull();

    await user.type(password, 'right password');
    await user.click(within(form()).getByRole('button', { name: 'Change email' }));
    expect(await screen.findByText('Another account already uses this email')).toBeInTheDocument();

    await user.type(password, 'right password');
    await user.click(within(form()).getByRole('button', { name: 'Change email' }));
    expect(await screen.findByTestId('email-change-sent')).toHaveTextContent(
      'Confirmation sent to ada.lovelace@example.org; your current address stays in force until then.',
    );
    expect(screen.queryByText('Another account already uses this email')).toBeNull();
    expect(newEmail).toHaveValue('');
    expect(password).toHaveValue('');
    expect(calls.filter((c) => c.name === 'RequestEmailChange').at(-1)!.variables).toEqual({ currentPassword: 'right password', newEmail: 'Ada.Lovelace@Example.org' });
  });

  it('explains a throttled attempt', async () => {
    const { client } = mockClient((name) =>
      name === 'RequestEmailChange' ? { requestEmailChange: { __typename: 'TooManyAttemptsError', message: 'Too many attempts.', retryAfterSeconds: 60 } } : undefined,
    );
    const user = userEvent.setup({ delay: null });
    renderWith(<ChangeEmailForm currentEmail="ada@example.com" />, { client });
    await user.type(within(form()).getByLabelText(/New email address/), 'new@example.com');
    await user.type(within(form()).getByLabelText(/Current password/), 'whatever');
    await user.click(within(form()).getByRole('button', { name: 'Change email' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many attempts. Try again in 60 s.');
  });
});

describe('EmailAddressSection (R20)', { timeout: 30_000 }, () => {
  it('marks an unproven address and sends a link that proves it', async () => {
    const { client, calls } = mockClient((name) => (name === 'RequestEmailVerification' ? { requestEmailVerification: ME } : undefined));
    const user = userEvent.setup({ delay: null });
    renderWith(<EmailAddressSection account={maskFragments([AccountEmailFields], ME)} />, { client });
    expect(screen.getByTestId('current-email')).toHaveTextContent('ada@example.com');
    expect(screen.getByText('Not confirmed')).toBeInTheDocument();
    expect(screen.queryByTestId('pending-email')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Send confirmation link' }));
    expect(await screen.findByText('Confirmation link sent to ada@example.com. It works once, for 24 hours.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Send confirmation link' })).toBeNull();
    await waitFor(() => expect(calls.filter((c) => c.name === 'RequestEmailVerification')).toHaveLength(1));
  });

  it('shows a change waiting for confirmation; a proven address has no link button', () => {
    const { client } = mockClient(() => undefined);
    renderWith(<EmailAddressSection account={maskFragments([AccountEmailFields], { ...ME, emailVerified: true, pendingEmail: 'ada@new.example' })} />, { client });
    expect(screen.getByText('Confirmed')).toBeInTheDocument();
    expect(screen.queryByText('Not confirmed')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Send confirmation link' })).toBeNull();
    expect(screen.getByTestId('pending-email')).toHaveTextContent('ada@new.example becomes your address once the link sent there is followed');
  });
});
