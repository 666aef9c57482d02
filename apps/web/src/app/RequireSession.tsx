import { Navigate, Outlet, useLocation } from 'react-router';
import { useSession } from './session.tsx';
import { useViewer } from './viewer.ts';
import { PageLoader } from '../components/PageLoader.tsx';
import { useLiveAccess } from './live-access.ts';
import { t } from '@lingui/core/macro';

/** Routes behind sign-in; a forced password change comes before anything else (R7). */
export function RequireSession() {
  const { status, passwordChangeRequired } = useSession();
  const location = useLocation();
  if (status === 'loading') return <PageLoader label={t`Restoring session`} />
;
  if (status === 'signedOut') {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <SignedIn forceChange={passwordChangeRequired} />;
}

function SignedIn({ forceChange }: { forceChange: boolean }) {
  const location = useLocation();
  const { viewer, fetching } = useViewer();
  const mustChange = forceChange || viewer?.mustChangePassword === true;
  useLiveAccess(!mustChange);
  if (mustChange && location.pathname !== '/change-password') return <Navigate to="/change-password" replace />;
  if (!mustChange && fetching && !viewer) return <PageLoader />;
  return <Outlet />;
}
