import { Button } from '@mantine/core';
import { useNavigate } from 'react-router';
import { useSession } from '../../app/session.tsx';
import { useViewer } from '../../app/viewer.ts';
import { AuthLayout } from './AuthLayout.tsx';
import { ChangePasswordForm } from './ChangePasswordForm.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** Forced change of a temporary password (R7); also reachable from My account. */
export default function ChangePasswordPage() {
  const navigate = useNavigate();
  const { signOut, passwordChangeRequired } = useSession();
  const { viewer } = useViewer();
  const forced = passwordChangeRequired || viewer?.mustChangePassword === true;
  return (
    <AuthLayout
      title={forced ? t`Choose a new password` : t`Change password`}
      subtitle={forced ? t`You signed in with a temporary password. Choose your own before you continue.` : undefined}
    >
      <ChangePasswordForm onDone={() => navigate('/', { replace: true })} submitLabel={forced ? t`Set password and continue` : t`Change password`} />
      <Button variant="subtle" color="gray" onClick={() => void signOut().then(() => navigate('/sign-in', { replace: true }))}>
        <Trans>Sign out</Trans>

      </Button>
    </AuthLayout>
  );
}
