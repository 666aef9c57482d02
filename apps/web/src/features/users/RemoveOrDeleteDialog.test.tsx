import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RemoveOrDeleteDialog } from './RemoveOrDeleteDialog.tsx';
import { OrgContext } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import { orgContext } from '../../test/org.ts';
import { maskFragments } from 'gql.tada';
import { MemberDialogFields } from './queries.ts';

const member = maskFragments([MemberDialogFields], {
  id: 'm-1',
  user: { id: 'u-1', email: 'erin@example.com', firstName: 'Erin', lastName: 'Existing', displayName: 'Erin Existing' },
});

describe('RemoveOrDeleteDialog (R9)', () => {
  it('explains both choices and removes the membership by default', async () => {
    const { client, calls } = mockClient((name) =>
      name === 'RemoveMember' ? { removeMember: { __typename: 'RemovedMemberPayload', membershipId: 'm-1' } } : undefined,
    );
    let closed = false;
    renderWith(
      <OrgContext value={orgContext()}>
        <RemoveOrDeleteDialog member={member} onClose={() => (closed = true)} />
      </OrgContext>,
      { client },
    );
    expect(screen.getByRole('radio', { name: 'Remove from Acme' })).toBeChecked();
    expect(screen.getByText(/keeps|account stays/i)).toBeInTheDocument();
    expect(screen.getByText(/permanently deleted from every organization/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Yes, remove' }));
    expect(calls.map((c) => c.name)).toContain('RemoveMember');
    expect(calls.find((c) => c.name === 'RemoveMember')!.variables).toEqual({ membershipId: 'm-1' });
    expect(closed).toBe(true);
  });

  it('delete completely shows the API’s PolicyError in place', async () => {
    const { client, calls } = mockClient((name) =>
      name === 'DeleteUser'
        ? { deleteUser: { __typename: 'PolicyError', message: 'This user belongs to another organization you cannot administer.' } }
        : undefined,
    );
    renderWith(
      <OrgContext value={orgContext()}>
        <RemoveOrDeleteDialog member={member} onClose={() => {}} />
      </OrgContext>,
      { client },
    );
    await userEvent.click(screen.getByRole('radio', { name: 'Delete completely' }));
    // Deleting an account needs its email typed first.
    expect(screen.getByRole('button', { name: 'Delete account' })).toBeDisabled();
    await userEvent.type(screen.getByLabelText('Type erin@example.com to confirm'), 'Erin@Example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Delete account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('belongs to another organization');
    expect(calls.find((c) => c.name === 'DeleteUser')!.variables).toEqual({ userId: 'u-1', organizationId: 'org-1' });
  });
});
