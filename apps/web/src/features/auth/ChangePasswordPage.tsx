import { Button } from '@mantine/core';
import { useNavigate } from 'react-router';
import { useSession } from '../../app/session.tsx';
import { useViewer } from '../../app/viewer.ts';
import { AuthLayout } from './AuthLayout.tsx';
import { ChangePasswordForm } from './ChangePasswordForm.tsx';

/** Forced change of a temporary password (R7); also reachable from My account. */
export default function ChangePasswordPage() {
  const navigate = useNavigate();
  const { signOut, passwordChangeRequired } = useSession();
  const { viewer } = useViewer();
  const forced = passwordChangeRequired || viewer?.mustChangePassword === true;
  return (
    <AuthLayout
      title={forced ? 'Choose a new password' : 'Change password'}
      subtitle={forced ? 'You signed in with a temporary password. Choose your own before you continue.' : undefined}
    >
      <ChangePasswordForm onDone={() => navigate('/', { replace: true })} submitLabel={forced ? 'Set password and continue' : 'Change password'} />
      <Button variant="subtle" color="gray" onClick={() => void signOut().then(() => navigate('/sign-in', { replace: true }))}>
        Sign out
      </Button>
    </AuthLayout>
  );
}
