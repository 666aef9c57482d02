import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { EditUserDialog } from './EditUserDialog.tsx';
import { mockClient, renderWith } from '../../test/render.tsx';

const VIEWER = {
  __typename: 'User',
  id: 'me',
  email: 'me@example.com',
  firstName: 'Me',
  lastName: 'Admin',
  displayName: 'Me Admin',
  authProvider: 'credentials',
  status: 'ACTIVE',
  isPlatformAdmin: false,
  mustChangePassword: false,
  createdAt: '2026-01-01T00:00:00Z',
  lastLoginAt: null,
  memberships: [],
};

function person(id: string, email: string) {
  return { __typename: 'User', id, email, firstName: 'Pat', lastName: 'Person', displayName: 'Pat Person', authProvider: 'credentials', status: 'ACTIVE', memberships: [] };
}

function respond(name: string, variables: Record<string, unknown>) {
  if (name === 'Viewer') return { viewer: VIEWER };
  if (name === 'UserAccess') return { node: variables.userId === 'me' ? { ...person('me', VIEWER.email), firstName: 'Me' } : person('pat', 'pat@example.com') };
  if (name === 'UpdateUser') {
    // R20: the account keeps its address until the new one is confirmed.
    return { updateUser: { __typename: 'User', id: 'pat', email: 'pat@example.com', firstName: 'Pat', lastName: 'Person', displayName: 'Pat Person' } };
  }
  return undefined;
}

// Many typed keystrokes through Mantine inputs: generous on a busy machine.
describe('EditUserDialog, basic info (R20)', { timeout: 30_000 }, () => {
  it('shows one’s own email read-only and points to My account; saving never sends it', async () => {
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(<EditUserDialog opened userId="me" onClose={() => {}} />, { client });
    const email = await screen.findByLabelText('Email');
    await waitFor(() => expect(email).toHaveAttribute('readonly'));
    expect(email).toHaveValue('me@example.com');
    expect(screen.getByRole('link', { name: 'My account' })).toHaveAttribute('href', '/account');

    await user.clear(screen.getByLabelText('Last name'));
    await user.type(screen.getByLabelText('Last name'), 'Renamed');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'UpdateUser')).toBe(true));
    expect(calls.find((c) => c.name === 'UpdateUser')!.variables).toEqual({ input: { userId: 'me', firstName: 'Me', lastName: 'Renamed' } });
  });

  it('another account: a changed email waits for confirmation and says so', async () => {
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(<EditUserDialog opened userId="pat" onClose={() => {}} />, { client });
    const email = await screen.findByLabelText('Email');
    expect(email).not.toHaveAttribute('readonly');

    await user.clear(email);
    await user.type(email, 'pat@bad');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Not a valid email address')).toBeInTheDocument();
    expect(calls.some((c) => c.name === 'UpdateUser')).toBe(false);

    await user.clear(email);
    await user.type(email, 'Pat@New.example');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByTestId('email-change-sent')).toHaveTextContent(
      'A confirmation link was sent to pat@new.example; the address changes when it is confirmed',
    );
    expect(calls.find((c) => c.name === 'UpdateUser')!.variables).toEqual({
      input: { userId: 'pat', firstName: 'Pat', lastName: 'Person', email: 'Pat@New.example' },
    });
    // The field shows the address still in force.
    expect(email).toHaveValue('pat@example.com');
  });
});
