import { useEffect, useMemo } from 'react';
import { Outlet, useParams } from 'react-router';
import { useQuery } from 'urql';
import { Alert } from '@mantine/core';
import { expandPermissions } from '@gatehouse/permissions';
import { OrgContext, OrganizationQuery, type OrgContextValue } from './org-context.ts';
import { rememberOrg } from '../../app/viewer.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';

/** /o/:slug: loads the organization named in the URL (R14) and provides it to its pages. */
export default function OrgRoute() {
  const { slug = '' } = useParams();
  const [result] = useQuery({ query: OrganizationQuery, variables: { slug } });
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

  if (result.fetching && !value) return <PageLoader />;
  if (result.error && !value) {
    return (
      <Alert color="red" title="Could not load the organization">
        {result.error.message}
      </Alert>
    );
  }
  if (!value) return <NotFoundPage title="Organization not found" message={`There is no organization "${slug}" that you can see.`} />;
  return (
    <OrgContext value={value}>
      {value.org.status === 'DISABLED' && (
        <Alert color="gray" variant="light" mb="md" title="This organization is disabled">
          Its members cannot use it until a platform administrator enables it again.
        </Alert>
      )}
      <Outlet />
    </OrgContext>
  );
}
