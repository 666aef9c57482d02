import { describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expandPermissions, getPreset, roleToggleReason } from '@gatehouse/permissions';
import { RoleSelector } from './RoleSelector.tsx';
import { renderWith } from '../test/render.tsx';

const roles = getPreset('gatehouse').roles.map((r) => ({ ...r, id: r.key }));
const adminPerms = expandPermissions(roles.find((r) => r.key === 'admin')!.permissions);

describe('RoleSelector', () => {
  it('renders checkboxes; a role above the actor’s ceiling is disabled and says why (R3)', async () => {
    const onChange = vi.fn();
    renderWith(
      <RoleSelector
        roles={roles}
        value={['viewer']}
        onChange={onChange}
        multiple
        reasonFor={(role) =>
          roleToggleReason(role, { actorUserId: 'a', targetUserId: 't', actorPerms: adminPerms, currentRoles: [roles.find((r) => r.key === 'viewer')!], policy: { ownerModel: 'multiple' } }, roles)
        }
      />,
    );
    expect(screen.getByRole('checkbox', { name: 'Owner' })).toBeDisabled();
    expect(screen.getByText(/Only holders of the top role can grant or take away Owner/)).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Viewer' })).toBeChecked();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Developer' }));
    expect(onChange).toHaveBeenCalledWith(['viewer', 'developer']);
  });

  it('R4: every checkbox is disabled for your own membership', () => {
    renderWith(
      <RoleSelector
        roles={roles}
        value={['owner']}
        onChange={() => {}}
        multiple
        reasonFor={(role) =>
          roleToggleReason(role, { actorUserId: 'me', targetUserId: 'me', actorPerms: adminPerms, currentRoles: [roles.find((r) => r.key === 'owner')!], policy: { ownerModel: 'multiple' } }, roles)
        }
      />,
    );
    for (const box of screen.getAllByRole('checkbox')) expect(box).toBeDisabled();
    expect(screen.getAllByText(/cannot change your own roles/).length).toBeGreaterThan(0);
  });

  it('one role per membership: a select, with the unavailable roles explained', () => {
    renderWith(
      <RoleSelector
        roles={roles}
        value={['viewer']}
        onChange={() => {}}
        multiple={false}
        label="Role"
        reasonFor={(role) => (role.key === 'owner' ? { code: 'OWNER_ONLY', message: 'Only owners grant Owner.' } : null)}
      />,
    );
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.getByDisplayValue('Viewer')).toBeInTheDocument();
    expect(screen.getByText('Owner: Only owners grant Owner.')).toBeInTheDocument();
  });
});
