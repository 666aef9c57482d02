import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { expandPermissions, getPreset } from '@gatehouse/permissions';
import { OrgContext, type OrgContextValue } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import ResourcesPage from './ResourcesPage.tsx';

const oec = getPreset('oec');

/** A member of an OEC organization holding `role`. */
function context(role: string): OrgContextValue {
  const perms = expandPermissions(oec.roles.find((r) => r.key === role)!.permissions);
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

const project = (id: string, name: string, viewerPermissions: string[]) => ({ id, name, type: 'project', createdAt: '2026-01-01T00:00:00Z', createdBy: null, viewerPermissions });

/** The connection the API answers: `pages` of rows, the cursor of page i being `c<i>`. */
function connection(rows: ReturnType<typeof project>[], opts: { totalCount?: number; hasNextPage?: boolean; endCursor?: string | null } = {}) {
  return {
    totalCount: opts.totalCount ?? rows.length,
    pageInfo: { hasNextPage: opts.hasNextPage ?? false, endCursor: opts.endCursor ?? null },
    edges: rows.map((node) => ({ cursor: `cur-${node.id}`, node })),
  };
}

function renderPage(role: string, rows: ReturnType<typeof project>[] | ((after: unknown) => ReturnType<typeof connection>)) {
  const answer = typeof rows === 'function' ? rows : () => connection(rows);
  const { client, calls } = mockClient((name, vars) => (name === 'OrgResources' ? { organization: { id: 'org-1', resourcesConnection: answer(vars.after) } } : undefined));
  renderWith(
    <OrgContext value={context(role)}>
      <Routes>
        <Route path="/o/:slug/resources/:type" element={<ResourcesPage />} />
      </Routes>
    </OrgContext>,
    { client, path: '/o/agency/resources/project' },
  );
  return calls;
}

describe('ResourcesPage (oec projects)', () => {
  it('R19 a restricted developer lists the projects the API returns, cannot create, deletes where they are Project Admin only', async () => {
    renderPage('restricted_developer', [
      project('p1', 'Shop', ['org:read', 'projects:read', 'projects:delete', 'projects:assign']),
      project('p2', 'Blog', ['org:read', 'projects:read', 'deployments:create']),
    ]);
    expect(await screen.findByRole('heading', { name: 'Projects' })).toBeInTheDocument();
    expect(screen.getByLabelText('New project name')).toBeDisabled();
    expect(screen.getByText('Your role cannot create a project (projects:create).')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete Shop' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Delete Blog' })).toBeDisabled();
    expect(screen.getByText('You cannot delete this project (projects:delete).')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Shop' })).toHaveAttribute('href', '/o/agency/resources/project/p1');
  });

  it('a Developer creates projects', async () => {
    renderPage('developer', []);
    expect(await screen.findByLabelText('New project name')).toBeEnabled();
    expect(screen.getByText('No projects you can see yet.')).toBeInTheDocument();
  });

  it('reads the keyset-paginated resourcesConnection page by page (URL paging, Pager)', async () => {
    const page1 = Array.from({ length: 20 }, (_, i) => project(`p${i}`, `Project ${String(i).padStart(2, '0')}`, ['projects:read']));
    const page2 = [project('p20', 'Project 20', ['projects:read'])];
    const calls = renderPage('developer', (after) =>
      after === 'cursor-20' ? connection(page2, { totalCount: 21 }) : connection(page1, { totalCount: 21, hasNextPage: true, endCursor: 'cursor-20' }),
    );
    expect(await screen.findByRole('link', { name: 'Project 00' })).toBeInTheDocument();
    expect(screen.getByText('1–20 of 21 projects')).toBeInTheDocument();
    expect(screen.getByTestId('page-number')).toHaveTextContent('Page 1 of 2');
    expect(calls.find((c) => c.name === 'OrgResources')?.variables).toMatchObject({ slug: 'agency', type: 'project', first: 20, after: null });
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByRole('link', { name: 'Project 20' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Project 00' })).not.toBeInTheDocument();
    expect(screen.getByText('21–21 of 21 projects')).toBeInTheDocument();
    expect(calls.filter((c) => c.name === 'OrgResources').at(-1)?.variables).toMatchObject({ first: 20, after: 'cursor-20' });
  });
});
