// The member page against a mocked API: its recent activity asks the audit log for the events about
// the membership and about the account by their global ids (the API's `auditLog(targetId:)` takes
// the ids the page already has, issue 10), and shows both lists merged, newest first.
import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import MemberDetailPage from './MemberDetailPage.tsx';
import { OrgContext } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import { ROLES, orgContext } from '../../test/org.ts';

const gid = (type: string, id: string) => btoa(`${type}:${id}`);
const MEMBERSHIP = gid('Membership', '5f0c1f4e-0000-4000-8000-000000000001');
const USER = gid('User', '5f0c1f4e-0000-4000-8000-000000000002');

const member = {
  __typename: 'Membership',
  id: MEMBERSHIP,
  status: 'ACTIVE',
  createdAt: '2026-01-01T00:00:00Z',
  organization: { __typename: 'Organization', id: 'org-1' },
  addedBy: null,
  user: {
    __typename: 'User', id: USER, email: 'ada@example.com', emailVerified: true, firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada Lovelace',
    authProvider: 'credentials', status: 'ACTIVE', createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null,
  },
  roles: [ROLES.find((r) => r.key === 'viewer')!],
};

const event = (id: string, action: string, createdAt: string) => ({ __typename: 'AuditEvent', id, action, actorLabel: 'owner@example.com', createdAt });
const page = (...events: ReturnType<typeof event>[]) => ({ __typename: 'AuditEventConnection', edges: events.map((node) => ({ __typename: 'AuditEventConnectionEdge', node })) });

function respond(name: string) {
  if (name === 'MemberDetail') return { node: member, organization: { __typename: 'Organization', id: 'org-1', roles: ROLES.map((r) => ({ __typename: 'Role', id: r.id, description: r.description })) } };
  if (name === 'MemberAudit') {
    return {
      organization: {
        __typename: 'Organization',
        id: 'org-1',
        aboutMembership: page(event('e1', 'membership.roles_changed', '2026-03-01T10:00:00Z')),
        aboutUser: page(event('e2', 'user.password_reset', '2026-03-02T10:00:00Z')),
      },
    };
  }
  return undefined;
}

describe('MemberDetailPage', { timeout: 30_000 }, () => {
  it('R13: the recent activity filters the audit log by the global ids of the membership and the account', async () => {
    const { client, calls } = mockClient(respond);
    renderWith(
      <OrgContext value={orgContext('admin')}>
        <Routes>
          <Route path="/o/:slug/users/:membershipId" element={<MemberDetailPage />} />
        </Routes>
      </OrgContext>,
      { client, path: `/o/acme/users/${MEMBERSHIP}` },
    );
    const table = await screen.findByTestId('member-audit');
    expect(calls.find((c) => c.name === 'MemberDetail')?.variables).toMatchObject({ id: MEMBERSHIP });
    const audits = calls.filter((c) => c.name === 'MemberAudit');
    expect(audits.length).toBeGreaterThan(0);
    for (const call of audits) expect(call.variables).toEqual({ slug: 'acme', membershipTarget: MEMBERSHIP, userTarget: USER });
    const actions = within(table).getAllByText(/^(membership|user)\./).map((cell) => cell.textContent);
    expect(actions).toEqual(['user.password_reset', 'membership.roles_changed']);
  });
});
