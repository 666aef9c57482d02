import { useEffect, useMemo, useRef } from 'react';
import { Navigate, Outlet, useParams } from 'react-router';
import { useQuery } from 'urql';
import { Alert } from '@mantine/core';
import { expandPermissions } from '@gatehouse/permissions';
import { OrgContext, OrganizationQuery, type OrgContextValue } from './org-context.ts';
import { rememberOrg, useViewer } from '../../app/viewer.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** /o/:slug: loads the organization named in the URL (R14) and provides it to its pages. */
export default function OrgRoute() {
  const { slug = '' } = useParams();
  const [result] = useQuery({ query: OrganizationQuery, variables: { slug } });
  const viewerResult = useViewer();
  const org = result.data?.organization;
  const preset = result.data?.preset;

  useEffect(() => {
    if (org) rememberOrg(org.slug);
  }, [org]);

  const value = useMemo<OrgContextValue | null>(() => {
    if (!org || !preset) return null;
    const perms = expandPermissions(org.viewerPermissions);
    return { org, preset, perms, can: (p) => perms.has(p) };
  }, [org, preset]);

  // R25: access ended while the page was open (removed, disabled, organization disabled): back to
  // the picker with the reason. Platform admins see every organization and stay.
  // The name as last seen: after a removal the organization itself is no longer readable.
  const knownName = useRef(slug);
  if (value) knownName.current = value.org.name;
  const access = accessState(viewerResult.viewer, slug);
  if (access !== 'ok' && !viewerResult.fetching && !viewerResult.stale) {
    return <Navigate to="/orgs" replace state={{ notice: ACCESS_NOTICE[access](knownName.current) }} />;
  }
  if (result.fetching && !value) return <PageLoader />;
  if (result.error && !value) {
    return (
      <Alert color="red" title={t`Could not load the organization`}>
        {result.error.message}
      </Alert>
    );
  }
  if (!value) return <NotFoundPage title={t`Organization not found`} message={t`There is no organization "${slug}" that you can see.`} />;
  return (
    <OrgContext value={value}>
      {value.org.status === 'DISABLED' && (
        <Alert color="gray" variant="light" mb="md" title={t`This organization is disabled`}>
          <Trans>Its members cannot use it until a platform administrator enables it again.</Trans>

        </Alert>
      )}
      <Outlet />
    </OrgContext>
  );
}

type AccessState = 'ok' | 'removed' | 'disabled' | 'orgDisabled';

const ACCESS_NOTICE: Record<Exclude<AccessState, 'ok'>, (org: string) => string> = {
  removed: (org) => t`You no longer have access to ${org}.`,
  disabled: (org) => t`Your access to ${org} was disabled by an administrator.`,
  orgDisabled: (org) => t`${org} was disabled by a platform administrator.`,
};

/** Whether the viewer (as last read) may still use the organization of the URL. */
function accessState(viewer: ReturnType<typeof useViewer>['viewer'], slug: string): AccessState {
  if (!viewer || viewer.isPlatformAdmin) return 'ok';
  const membership = viewer.memberships.find((m) => m.organization.slug === slug);
  if (!membership) return 'removed';
  if (membership.status !== 'ACTIVE') return 'disabled';
  if (membership.organization.status !== 'ACTIVE') return 'orgDisabled';
  return 'ok';
}
