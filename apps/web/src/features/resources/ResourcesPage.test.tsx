import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
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

function renderPage(role: string, rows: ReturnType<typeof project>[]) {
  const { client } = mockClient((name) => (name === 'OrgResources' ? { organization: { id: 'org-1', resources: rows } } : undefined));
  renderWith(
    <OrgContext value={context(role)}>
      <Routes>
        <Route path="/o/:slug/resources/:type" element={<ResourcesPage />} />
      </Routes>
    </OrgContext>,
    { client, path: '/o/agency/resources/project' },
  );
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
});
