import { describe, expect, it } from 'vitest';
import { expandPermissions, getPreset } from '@gatehouse/permissions';
import type { OrgContextValue } from '../orgs/org-context.ts';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AddUsersDialog } from './AddUsersDialog.tsx';
import { OrgContext } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import { ROLES, orgContext } from '../../test/org.ts';

function respond(name: string, variables: Record<string, unknown>) {
  if (name === 'LookupUser') {
    const existing = variables.email === 'erin@example.com';
    return {
      lookupUser: {
        __typename: 'UserLookup',
        email: variables.email,
        exists: existing,
        firstName: existing ? 'Erin' : null,
        lastName: existing ? 'Existing' : null,
        alreadyMember: false,
      },
    };
  }
  if (name === 'ProvisionMembers') {
    return {
      provisionMembers: {
        __typename: 'ProvisionMembersPayload',
        results: [
          { __typename: 'ProvisionResult', email: 'nora@example.com', status: 'CREATED', temporaryPassword: 'Temp-Pass-1234-abcd', membership: { __typename: 'Membership', id: 'm1' } },
          { __typename: 'ProvisionResult', email: 'erin@example.com', status: 'ADDED', temporaryPassword: null, membership: { __typename: 'Membership', id: 'm2' } },
        ],
      },
    };
  }
  return undefined;
}

// Many typed keystrokes through Mantine inputs: generous on a busy machine.
describe('AddUsersDialog (R7)', { timeout: 30_000 }, () => {
  it('looks addresses up: existing accounts show their name, new ones ask for it; temporary passwords are shown once', async () => {
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(
      <OrgContext value={orgContext('admin')}>
        <AddUsersDialog opened onClose={() => {}} roles={ROLES} />
      </OrgContext>,
      { client },
    );
    const row0 = screen.getByTestId('add-row-0');
    await user.type(within(row0).getByLabelText(/Email/), 'nora@example.com');
    await user.click(within(row0).getByRole('button', { name: 'Look up' }));
    await within(row0).findByText(/No account yet/);
    await user.type(within(row0).getByLabelText('First name'), 'Nora');
    await user.type(within(row0).getByLabelText('Last name'), 'New');
    // Admins cannot grant the top role (R3); the least privileged role is preselected.
    expect(within(row0).getByRole('checkbox', { name: 'Owner' })).toBeDisabled();
    expect(within(row0).getByRole('checkbox', { name: 'Viewer' })).toBeChecked();

    await user.click(screen.getByRole('button', { name: /Add another/ }));
    const row1 = screen.getByTestId('add-row-1');
    await user.type(within(row1).getByLabelText(/Email/), 'erin@example.com');
    await user.click(within(row1).getByRole('button', { name: 'Look up' }));
    expect(await within(row1).findByTestId('existing-account')).toHaveTextContent('Erin Existing');
    expect(within(row1).queryByLabelText('First name')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Add 2 users' }));
    expect(await screen.findByText('Account created')).toBeInTheDocument();
    expect(screen.getByTestId('temporary-password')).toHaveTextContent('Temp-Pass-1234-abcd');
    expect(screen.getByRole('button', { name: /Copy password/ })).toBeInTheDocument();

    const provision = calls.find((c) => c.name === 'ProvisionMembers')!;
    expect(provision.variables).toEqual({
      organizationId: 'org-1',
      members: [
        { email: 'nora@example.com', firstName: 'Nora', lastName: 'New', roleIds: ['viewer'] },
        { email: 'erin@example.com', firstName: 'Erin', lastName: 'Existing', roleIds: ['viewer'] },
      ],
    });
  });

  it('refuses to submit a row that was not looked up', async () => {
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(
      <OrgContext value={orgContext('owner')}>
        <AddUsersDialog opened onClose={() => {}} roles={ROLES} />
      </OrgContext>,
      { client },
    );
    await user.type(screen.getByLabelText(/Email/), 'someone@example.com');
    await user.click(screen.getByRole('button', { name: 'Add user' }));
    expect(await screen.findByText('Look the address up first.')).toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.name === 'ProvisionMembers')).toBe(false));
  });

  it('checks addresses with the API’s own rule before looking them up', async () => {
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(
      <OrgContext value={orgContext('owner')}>
        <AddUsersDialog opened onClose={() => {}} roles={ROLES} />
      </OrgContext>,
      { client },
    );
    // The old local pattern let this through; the API (and now the SPA) refuse two dots in a row.
    await user.type(screen.getByLabelText(/Email/), 'nora..new@example.com');
    await user.click(screen.getByRole('button', { name: 'Look up' }));
    expect(await screen.findByText('Not a valid email address')).toBeInTheDocument();
    expect(calls.some((c) => c.name === 'LookupUser')).toBe(false);
  });

  it('R7+R19 Spaces: an admin adds an Operator straight into a space; only the space role an Operator may hold is offered, and it is sent with the row', async () => {
    const spaces = getPreset('spaces');
    const perms = expandPermissions(spaces.roles.find((r) => r.key === 'admin')!.permissions);
    const context: OrgContextValue = {
      ...orgContext('owner'),
      org: { ...orgContext('owner').org, viewerPermissions: [...perms] },
      preset: {
        key: 'spaces', name: 'Spaces', roles: spaces.roles.map((r) => ({ ...r, permissions: [...r.permissions] })),
        policy: { ownerModel: 'none', invitations: false, provisioning: true, multipleRolesPerMembership: false, customRoleLimit: 0, bulkLimit: 10, ownershipTransfer: false, leaveRequiresPermission: null },
      } as OrgContextValue['preset'],
      perms,
      can: (p) => perms.has(p),
    };
    const roles = spaces.roles.map((r) => ({ __typename: 'Role' as const, id: `role-${r.key}`, key: r.key, name: r.name, description: r.description, permissions: [...r.permissions], builtin: true, memberCount: 0 }));
    const { client, calls } = mockClient((name, variables) => {
      if (name === 'GrantableResources') {
        return {
          organization: {
            __typename: 'Organization', id: 'org-1',
            resourcesConnection: {
              __typename: 'ResourceConnection', totalCount: 1,
              edges: [{ __typename: 'ResourceConnectionEdge', node: { __typename: 'Resource', id: 'space-1', name: 'Sandbox', type: 'space', viewerPermissions: [...perms], viewerCanManageMembers: true } }],
            },
          },
        };
      }
      return respond(name, variables);
    });
    const user = userEvent.setup({ delay: null });
    renderWith(
      <OrgContext value={context}>
        <AddUsersDialog opened onClose={() => {}} roles={roles} />
      </OrgContext>,
      { client },
    );
    const row0 = screen.getByTestId('add-row-0');
    await user.type(within(row0).getByLabelText(/Email/), 'erin@example.com');
    await user.click(within(row0).getByRole('button', { name: 'Look up' }));
    await within(row0).findByTestId('existing-account');
    const add = await within(row0).findByRole('button', { name: '+ Add access to a space' });
    await waitFor(() => expect(add).toBeEnabled());
    await user.click(add);
    // The row's role is Operator (the preset's default): R19 caps them at space_operator.
    const roleSelect = within(row0).getByLabelText('Role on Sandbox');
    expect(roleSelect).toHaveValue('space_operator');
    const options = within(roleSelect).getAllByRole('option') as HTMLOptionElement[];
    expect(options.map((o) => [o.value, o.disabled])).toEqual([
      ['space_owner', true],
      ['space_editor', true],
      ['space_operator', false],
    ]);
    expect(options[1]!.textContent).toContain('Their organization role allows at most space_operator on a space.');
    await user.click(screen.getByRole('button', { name: 'Add user' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'ProvisionMembers')).toBe(true));
    expect(calls.find((c) => c.name === 'ProvisionMembers')!.variables).toEqual({
      organizationId: 'org-1',
      members: [{ email: 'erin@example.com', firstName: 'Erin', lastName: 'Existing', roleIds: ['role-operator'], resourceGrants: [{ resourceId: 'space-1', roleKey: 'space_operator' }] }],
    });
  });
});
