// The users table against a mocked API: the search filters the pending invitations as it filters
// the members (the API's `invitations(search:)`), and a selection lives across pages until the
// search changes, a bulk action then acting on every selected member.
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import UsersPage from './UsersPage.tsx';
import { OrgContext } from '../orgs/org-context.ts';
import { mockClient, renderWith, type Call } from '../../test/render.tsx';
import { ROLES, orgContext } from '../../test/org.ts';

const viewer = {
  __typename: 'User', id: 'u-me', email: 'me@example.com', firstName: 'Me', lastName: 'Admin', displayName: 'Me Admin', authProvider: 'credentials',
  status: 'ACTIVE', isPlatformAdmin: false, mustChangePassword: false, createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null, memberships: [],
};

const viewerRole = ROLES.find((r) => r.key === 'viewer')!;

function member(name: string) {
  return {
    __typename: 'Membership',
    id: `m-${name}`,
    status: 'ACTIVE',
    createdAt: '2026-01-01T00:00:00Z',
    user: {
      __typename: 'User', id: `u-${name}`, email: `${name}@example.com`, firstName: name, lastName: 'Test', displayName: '', authProvider: 'credentials',
      status: 'ACTIVE', lastLoginAt: null,
    },
    roles: [viewerRole],
  };
}

function invitation(email: string) {
  return { __typename: 'Invitation', id: `i-${email}`, email, createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-02-01T00:00:00Z', roles: [viewerRole] };
}

/** Two pages of members (2 + 1), two pending invitations; both lists searched by the API. */
function respond(name: string, v: Record<string, unknown>) {
  if (name === 'Viewer') return { viewer };
  if (name === 'ActiveOwners') return { organization: { __typename: 'Organization', id: 'org-1', members: { __typename: 'MembershipConnection', totalCount: 0, edges: [] } } };
  if (name === 'Members') {
    const all = ['alice', 'bob', 'carol'].filter((n) => !v.search || n.includes(String(v.search)));
    const page = v.after === 'c2' ? all.slice(2) : all.slice(0, 2);
    return {
      organization: {
        __typename: 'Organization',
        id: 'org-1',
        roles: ROLES,
        members: {
          __typename: 'MembershipConnection',
          totalCount: all.length,
          pageInfo: { __typename: 'PageInfo', hasNextPage: v.after !== 'c2' && all.length > 2, endCursor: 'c2' },
          edges: page.map((n) => ({ __typename: 'MembershipEdge', cursor: n, node: member(n) })),
        },
      },
    };
  }
  if (name === 'PendingInvitations') {
    const all = ['ivy@example.com', 'ian@example.com'].filter((e) => !v.search || e.includes(String(v.search)));
    return {
      organization: {
        __typename: 'Organization',
        id: 'org-1',
        invitations: {
          __typename: 'InvitationConnection',
          totalCount: all.length,
          pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          edges: all.map((e) => ({ __typename: 'InvitationEdge', node: invitation(e) })),
        },
      },
    };
  }
  if (name === 'SelectedMembers') return { nodes: (v.ids as string[]).map((id) => member(id.slice(2))) };
  if (name === 'SetMembershipStatus') return { setMembershipStatus: { __typename: 'Membership', id: v.membershipId, status: v.status, organization: { __typename: 'Organization', id: 'org-1' } } };
  return undefined;
}

function renderPage(path = '/') {
  const mock = mockClient(respond);
  renderWith(
    <OrgContext value={orgContext('admin')}>
      <UsersPage />
    </OrgContext>,
    { client: mock.client, path },
  );
  return mock;
}

const lastCall = (calls: Call[], name: string) => calls.filter((c) => c.name === name).at(-1);

describe('UsersPage', { timeout: 30_000 }, () => {
  it('R8: the search filters the invitation rows as it filters the members; the count beside the members follows it', async () => {
    const { calls } = renderPage('/?q=ivy');
    await screen.findByTestId('invitation-row-ivy@example.com');
    expect(screen.queryByTestId('invitation-row-ian@example.com')).toBeNull();
    expect(lastCall(calls, 'PendingInvitations')?.variables).toMatchObject({ search: 'ivy' });
    expect(screen.getByText(/· 1 pending invitation$/)).toBeInTheDocument();
    // No member matches "ivy": the invitation alone is shown, not "No user matches".
    expect(screen.queryByText('No user matches these filters.')).toBeNull();
  });

  it('R8: under "Invited (pending)" the search stays on and is sent to the API', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = renderPage('/?status=INVITED');
    await screen.findByTestId('invitation-row-ian@example.com');
    const search = screen.getByRole('searchbox', { name: 'Search' });
    expect(search).toBeEnabled();
    await user.type(search, 'nobody');
    // After the search box's debounce.
    await screen.findByText('No pending invitation matches this search.', undefined, { timeout: 5_000 });
    expect(lastCall(calls, 'PendingInvitations')?.variables).toMatchObject({ search: 'nobody' });
  });

  it('a selection survives paging, says how many are on other pages, and a bulk action acts on all of them; a new search clears it', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = renderPage();
    await user.click(await screen.findByRole('checkbox', { name: 'Select alice@example.com' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(await screen.findByRole('checkbox', { name: 'Select carol@example.com' }));
    const bar = await screen.findByRole('region', { name: 'Bulk actions' });
    expect(within(bar).getByTestId('selection-count')).toHaveTextContent('2 selected (1 on other pages)');

    await user.click(within(bar).getByRole('button', { name: 'Disable access…' }));
    await user.click(await screen.findByRole('button', { name: 'Disable 2 members' }));
    await screen.findByText('Disable access: 2 done');
    // Read again just before acting, then one mutation per member, whichever page it is on.
    expect(lastCall(calls, 'SelectedMembers')?.variables).toEqual({ ids: ['m-alice', 'm-carol'] });
    const disabled = calls.filter((c) => c.name === 'SetMembershipStatus').map((c) => c.variables.membershipId);
    expect(disabled.sort()).toEqual(['m-alice', 'm-carol']);
    expect(screen.queryByRole('region', { name: 'Bulk actions' })).toBeNull();

    // A new selection, then a search: it selected among other people, so it is dropped.
    await user.click(screen.getByRole('checkbox', { name: 'Select carol@example.com' }));
    await screen.findByRole('region', { name: 'Bulk actions' });
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'car');
    await waitFor(() => expect(lastCall(calls, 'Members')?.variables).toMatchObject({ search: 'car' }), { timeout: 5_000 });
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Bulk actions' })).toBeNull());
  });
});
