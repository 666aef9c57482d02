import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { effectivePermissions, getPreset, getRole } from '@gatehouse/permissions';
import { assignableRoles, ServiceAccountsPanel } from './ServiceAccountsPage.tsx';
import { mockClient, renderWith } from '../../test/render.tsx';

const preset = getPreset('gatehouse');
const adminPerms = effectivePermissions([getRole(preset, 'admin')!]);
const ROLES = preset.roles.map((r) => ({ __typename: 'Role', id: `r-${r.key}`, key: r.key, name: r.name, builtin: true, permissions: [...r.permissions] }));

describe('Service accounts (R23, R3)', { timeout: 30_000 }, () => {
  it('offers only roles within one’s own permissions, never the owner role', () => {
    expect(assignableRoles(ROLES, adminPerms).map((r) => r.key)).toEqual(['admin', 'manager', 'developer', 'viewer']);
  });

  it('creates an account with roles, issues a key shown once, rotates and revokes it', async () => {
    const account = {
      __typename: 'ServiceAccount', id: 's1', name: 'deployer', status: 'ACTIVE', clientId: 'c1',
      roles: [{ __typename: 'Role', id: 'r-developer', key: 'developer', name: 'Developer', builtin: true }],
      keys: [{ __typename: 'ServiceAccountKey', id: 'k1', name: 'key 1', hint: 'AbCd', active: true, expiresAt: null, lastUsedAt: null, lastUsedIp: '10.1.2.3' }],
    };
    const { client, calls } = mockClient((name) => {
      if (name === 'ServiceAccounts') return { serviceAccounts: [account], organization: { __typename: 'Organization', id: 'o1', roles: ROLES } };
      if (name === 'CreateServiceAccount') return { createServiceAccount: { __typename: 'ServiceAccount', id: 's2' } };
      if (name === 'CreateServiceAccountKey') return { createServiceAccountKey: { __typename: 'CreatedServiceAccountKey', secret: 'ghsak_new' } };
      if (name === 'RotateServiceAccountKey') return { rotateServiceAccountKey: { __typename: 'CreatedServiceAccountKey', secret: 'ghsak_rotated' } };
      if (name === 'RevokeServiceAccountKey') return { revokeServiceAccountKey: { __typename: 'ServiceAccountKey' } };
      return undefined;
    });
    const user = userEvent.setup({ delay: null });
    renderWith(<ServiceAccountsPanel orgId="o1" slug="acme" perms={adminPerms} />, { client });
    const form = await screen.findByRole('form', { name: 'New service account' });
    expect(within(form).queryByLabelText('Owner')).toBeNull();
    await user.type(within(form).getByLabelText('Name'), 'ci');
    await user.click(within(form).getByLabelText('Viewer'));
    await user.click(within(form).getByRole('button', { name: 'Create service account' }));
    await waitFor(() => expect(calls.find((c) => c.name === 'CreateServiceAccount')?.variables).toEqual({ input: { organizationId: 'o1', name: 'ci', roleIds: ['r-viewer'] } }));

    const section = screen.getByRole('region', { name: 'Service account deployer' });
    await user.click(within(section).getByRole('button', { name: 'New key' }));
    expect(await screen.findByTestId('new-key-secret')).toHaveTextContent('ghsak_new');
    expect(within(section).getByText('10.1.2.3')).toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Rotate key 1' }));
    await waitFor(() => expect(screen.getByTestId('new-key-secret')).toHaveTextContent('ghsak_rotated'));
    await user.click(within(section).getByRole('button', { name: 'Revoke key 1' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'RevokeServiceAccountKey' && c.variables.keyId === 'k1')).toBe(true));
  });
});
