import { describe, expect, it } from 'vitest';
import { maskFragments } from 'gql.tada';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expandPermissions, getPreset } from '@gatehouse/permissions';
import { OrgContext, type OrgContextValue } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import { ResourceMembers } from './ResourcePage.tsx';
import { resourceTypeOf } from './resource-ui-rules.ts';
import { RenameResourceFields, ResourceMembersFields } from './queries.ts';

const spaces = getPreset('spaces');
const SPACE = resourceTypeOf('spaces', 'space')!;

/** An Editor of a Spaces organization, looking at the space they created (space_owner there). */
function editorContext(): OrgContextValue {
  const perms = expandPermissions(spaces.roles.find((r) => r.key === 'editor')!.permissions);
  return {
    org: {
      id: 'org-1', slug: 'lab', name: 'Lab', status: 'ACTIVE', createdAt: '2026-01-01T00:00:00Z', viewerPermissions: [...perms],
      viewerMembership: { id: 'm-editor', status: 'ACTIVE', roles: [{ id: 'r-editor', key: 'editor', name: 'Editor', permissions: ['org:read', 'members:read', 'spaces:create'] }] },
    },
    preset: {
      key: 'spaces', name: 'Spaces', roles: spaces.roles.map((r) => ({ ...r, permissions: [...r.permissions] })),
      policy: { ownerModel: 'none', invitations: false, provisioning: true, multipleRolesPerMembership: false, customRoleLimit: 0, bulkLimit: 10, ownershipTransfer: false, leaveRequiresPermission: null },
    } as OrgContextValue['preset'],
    perms,
    can: (p) => perms.has(p),
  };
}

const user = (id: string, email: string) => ({ id, email, displayName: '' });
const RESOURCE = {
  id: 'space-1',
  name: 'Sandbox',
  type: 'space',
  viewerPermissions: ['members:read', 'org:read', 'spaces:assign', 'spaces:create', 'spaces:delete', 'spaces:deploy', 'spaces:destroy', 'spaces:read', 'spaces:start', 'spaces:whitelist'],
  viewerCanManageMembers: true,
  members: {
    totalCount: 2,
    pageInfo: { hasNextPage: false, endCursor: null },
    edges: [
      { node: { roleKey: 'space_operator', role: { key: 'space_operator', name: 'Space operator' }, membership: { id: 'm-op', roles: [{ key: 'operator' }], user: user('u-op', 'op@lab.test') } } },
      { node: { roleKey: 'space_editor', role: { key: 'space_editor', name: 'Space editor' }, membership: { id: 'm-ed2', roles: [{ key: 'editor' }], user: user('u-ed2', 'ed2@lab.test') } } },
    ],
  },
};

function respond(name: string) {
  if (name === 'ResourceMemberCandidates') {
    return { organization: { id: 'org-1', members: { edges: [{ node: { id: 'm-op2', roles: [{ key: 'operator' }], user: user('u-op2', 'op2@lab.test') } }] } } };
  }
  if (name === 'GrantResourceRole') return { grantResourceRole: { __typename: 'Resource', id: 'space-1' } };
  if (name === 'RevokeResourceRole') return { revokeResourceRole: { __typename: 'Resource', id: 'space-1' } };
  return undefined;
}

function renderMembers() {
  const { client, calls } = mockClient(respond);
  let changed = 0;
  renderWith(
    <OrgContext value={editorContext()}>
      <ResourceMembers def={SPACE} resource={maskFragments([ResourceMembersFields], { ...RESOURCE, ...maskFragments([RenameResourceFields], RESOURCE) })} orgSlug="lab" onChanged={() => changed++} />
    </OrgContext>,
    { client },
  );
  return { calls, changed: () => changed };
}

/** An option of the dropdown a labelled Mantine Select controls (jsdom keeps dropdowns display:none). */
async function optionOf(label: string, name: string | RegExp): Promise<HTMLElement> {
  const input = screen.getByLabelText(label, { selector: 'input' });
  return waitFor(() => within(document.getElementById(input.getAttribute('aria-controls')!)!).getByRole('option', { name, hidden: true }));
}

describe('ResourceMembers (Spaces: an Editor on the space they created)', { timeout: 30_000 }, () => {
  it('R19 an Operator member cannot be raised: their role selector is disabled with the reason; an Editor can be changed', () => {
    renderMembers();
    const table = screen.getByRole('table', { name: 'Members of Sandbox' });
    expect(within(table).getByText('op@lab.test')).toBeInTheDocument();
    expect(screen.getByLabelText('Space role of op@lab.test', { selector: 'input' })).toBeDisabled();
    expect(screen.getByText('Their organization role allows at most space_operator on a space.')).toBeInTheDocument();
    expect(screen.getByLabelText('Space role of ed2@lab.test', { selector: 'input' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Remove op@lab.test' })).toBeEnabled();
  });

  it('adds an Operator with the one role the rules allow, and removes a member', async () => {
    const { calls, changed } = renderMembers();
    const u = userEvent.setup({ delay: null });
    await u.click(screen.getByLabelText('Member of the organization', { selector: 'input' }));
    await u.click(await optionOf('Member of the organization', 'op2@lab.test'));
    await u.click(screen.getByLabelText('Space role', { selector: 'input' }));
    // The roles an Operator may not hold are listed, disabled, with the reason (R19).
    expect(await optionOf('Space role', /Space editor — Their organization role allows at most space_operator/)).toHaveAttribute('data-combobox-disabled');
    await u.click(await optionOf('Space role', 'Space operator'));
    await u.click(screen.getByRole('button', { name: 'Add member' }));
    await waitFor(() => expect(calls.find((c) => c.name === 'GrantResourceRole')?.variables).toEqual({ resourceId: 'space-1', membershipId: 'm-op2', roleKey: 'space_operator' }));

    await u.click(screen.getByRole('button', { name: 'Remove ed2@lab.test' }));
    await waitFor(() => expect(calls.find((c) => c.name === 'RevokeResourceRole')?.variables).toEqual({ resourceId: 'space-1', membershipId: 'm-ed2' }));
    await waitFor(() => expect(changed()).toBe(2));
  });
});
