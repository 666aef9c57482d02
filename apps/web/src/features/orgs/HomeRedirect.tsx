import { Navigate } from 'react-router';
import { usableMemberships, useViewer } from '../../app/viewer.ts';
import { PageLoader } from '../../components/PageLoader.tsx';

/** R14: one active organization → straight in; several → the picker. */
export default function HomeRedirect() {
  const { viewer, fetching } = useViewer();
  if (!viewer) return fetching ? <PageLoader /> : <Navigate to="/sign-in" replace />;
  const usable = usableMemberships(viewer);
  if (usable.length === 1) return <Navigate to={`/o/${usable[0]!.organization.slug}/users`} replace />;
  if (usable.length === 0 && viewer.isPlatformAdmin && viewer.memberships.length === 0) return <Navigate to="/admin/organizations" replace />;
  return <Navigate to="/orgs" replace />;
}
