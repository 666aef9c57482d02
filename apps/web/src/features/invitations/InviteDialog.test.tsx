// The invitation dialog with resource grants (R8 + R19, OEC: invite straight into a project): only
// the grants @gatehouse/permissions allows are offered, with the reason for the others, and the
// chosen ones travel with inviteMembers (dry run and send).
import { beforeAll, describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { expandPermissions, getPreset } from '@gatehouse/permissions';
import { OrgContext, type OrgContextValue } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import InvitationsPage from './InvitationsPage.tsx';

const oec = getPreset('oec');
const permsOf = (preset: typeof oec, key: string) => [...preset.roles.find((r) => r.key === key)!.permissions];
const projectRole = (key: string) => [...oec.policy.resourceTypes[0]!.roles.find((r) => r.key === key)!.permissions];

const ROLES = oec.roles.map((r) => ({ __typename: 'Role' as const, id: `role-${r.key}`, key: r.key, name: r.name, description: r.description, permissions: [...r.permissions], builtin: true, memberCount: 0 }));

/** An OEC organization; the actor holds `perms` in it. */
function context(perms: Set<string>): OrgContextValue {
  return {
    org: { id: 'org-1', slug: 'agency', name: 'Agency', status: 'ACTIVE', createdAt: '2026-01-01T00:00:00Z', viewerPermissions: [...perms], viewerMembership: null },
    preset: {
      key: 'oec', name: 'OEC.SH', roles: oec.roles.map((r) => ({ ...r, permissions: [...r.permissions] })),
      policy: { ownerModel: 'single', invitations: true, provisioning: false, multipleRolesPerMembership: false, customRoleLimit: 0, bulkLimit: 10, ownershipTransfer: true, leaveRequiresPermission: null },
    } as OrgContextValue['preset'],
    perms,
    can: (p) => perms.has(p),
  };
}

const resource = (id: string, name: string, viewerPermissions: string[], viewerCanManageMembers: boolean) => ({ __typename: 'Resource', id, name, type: 'project', viewerPermissions, viewerCanManageMembers });

function respond(name: string, variables: Record<string, unknown>) {
  if (name === 'Invitations') {
    return { organization: { __typename: 'Organization', id: 'org-1', invitations: { __typename: 'InvitationConnection', totalCount: 0, pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null }, edges: [] }, roles: ROLES } };
  }
  if (name === 'GrantableResources') {
    return {
      organization: {
        __typename: 'Organization',
        id: 'org-1',
        resourcesConnection: {
          __typename: 'ResourceConnection',
          totalCount: 2,
          edges: [
            { __typename: 'ResourceConnectionEdge', node: resource('p1', 'Shop', ['org:read', 'members:read', 'members:invite', ...projectRole('project_admin')], true) },
            { __typename: 'ResourceConnectionEdge', node: resource('p2', 'Blog', ['org:read', 'members:read', 'members:invite', ...projectRole('project_developer')], false) },
          ],
        },
      },
    };
  }
  if (name === 'InviteMembers') {
    return {
      inviteMembers: {
        __typename: 'InviteMembersPayload',
        dryRun: variables.dryRun,
        results: [{ __typename: 'InviteResult', email: 'dev@example.com', status: 'INVITED', emailSent: !variables.dryRun, message: null, invitation: null }],
      },
    };
  }
  return undefined;
}

describe('Invite dialog with resource grants (OEC: invite straight into a project)', { timeout: 30_000 }, () => {
  beforeAll(() => {
    // jsdom has no FontFaceSet; Mantine's autosizing Textarea listens to it.
    if (!('fonts' in document)) {
      Object.defineProperty(document, 'fonts', { configurable: true, value: { addEventListener() {}, removeEventListener() {}, ready: Promise.resolve() } });
    }
  });
  it('R3/R19 offers only the projects the inviter manages, and sends the chosen grant with the dry run and the invitation', async () => {
    // A Project Admin of Shop who may invite restricted developers (members:invite, R3 on org roles)
    // but manages no other project's members.
    const perms = expandPermissions([...permsOf(oec, 'restricted_developer'), 'members:invite']);
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(
      <OrgContext value={context(perms)}>
        <Routes>
          <Route path="/o/:slug/invitations" element={<InvitationsPage />} />
        </Routes>
      </OrgContext>,
      { client, path: '/o/agency/invitations' },
    );
    await user.click(await screen.findByRole('button', { name: 'Invite members' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Email addresses'), 'dev@example.com');
    const grants = within(dialog).getByTestId('invite-resource-grants');
    await user.click(await within(grants).findByRole('button', { name: '+ Add access to a project' }));

    const resourceSelect = within(grants).getByLabelText('Resource 1');
    expect(resourceSelect).toHaveValue('p1');
    const blog = within(resourceSelect).getByRole('option', { name: /^Blog — / }) as HTMLOptionElement;
    expect(blog.disabled).toBe(true);
    expect(blog.textContent).toContain('Only members who manage members, or may assign users on this project, change its members.');
    // Least privilege first; Project Admin stays available (the inviter holds it on Shop).
    const roleSelect = within(grants).getByLabelText('Role on Shop');
    expect(roleSelect).toHaveValue('project_developer');
    await user.selectOptions(roleSelect, 'project_admin');
    // Only one project is managed: nothing more to add.
    expect(within(grants).getByRole('button', { name: '+ Add access to a project' })).toBeDisabled();

    await user.click(within(dialog).getByRole('button', { name: 'Set roles and review' }));
    await within(dialog).findByTestId('review-dev@example.com');
    await user.click(within(dialog).getByRole('button', { name: 'Send 1 invitation' }));
    await waitFor(() => expect(calls.filter((c) => c.name === 'InviteMembers')).toHaveLength(2));
    const [dry, real] = calls.filter((c) => c.name === 'InviteMembers');
    expect(dry!.variables).toMatchObject({ dryRun: true, resourceGrants: [{ resourceId: 'p1', roleKey: 'project_admin' }] });
    expect(real!.variables).toMatchObject({ dryRun: false, emails: ['dev@example.com'], resourceGrants: [{ resourceId: 'p1', roleKey: 'project_admin' }] });
    expect(await screen.findByText('Invitations sent')).toBeInTheDocument();
  });

  it('without grants the invitation is sent as before (resourceGrants null); a grant removed is not sent', async () => {
    const { client, calls } = mockClient(respond);
    const user = userEvent.setup({ delay: null });
    renderWith(
      <OrgContext value={context(expandPermissions(permsOf(oec, 'admin')))}>
        <Routes>
          <Route path="/o/:slug/invitations" element={<InvitationsPage />} />
        </Routes>
      </OrgContext>,
      { client, path: '/o/agency/invitations' },
    );
    await user.click(await screen.findByRole('button', { name: 'Invite members' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Email addresses'), 'dev@example.com');
    const grants = within(dialog).getByTestId('invite-resource-grants');
    const add = await within(grants).findByRole('button', { name: '+ Add access to a project' });
    await waitFor(() => expect(add).toBeEnabled());
    await user.click(add);
    // An admin manages every project's members: both are offered.
    const offered = within(within(grants).getByLabelText('Resource 1')).getAllByRole('option') as HTMLOptionElement[];
    expect(offered.map((o) => [o.value, o.disabled])).toEqual([
      ['p1', false],
      ['p2', false],
    ]);
    await user.click(within(grants).getByRole('button', { name: 'Remove Shop from the invitation' }));
    await user.click(within(dialog).getByRole('button', { name: 'Set roles and review' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'InviteMembers')).toBe(true));
    expect(calls.find((c) => c.name === 'InviteMembers')!.variables).toMatchObject({ dryRun: true, resourceGrants: null });
  });
});
