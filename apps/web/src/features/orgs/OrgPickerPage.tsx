import { Alert, Badge, Button, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { Link, useLocation, useNavigate } from 'react-router';
import { useSession } from '../../app/session.tsx';
import { rememberOrg, useViewer } from '../../app/viewer.ts';
import { AuthLayout } from '../auth/AuthLayout.tsx';
import { PageLoader } from '../../components/PageLoader.tsx';
import { OrgAvatar } from './OrgAvatar.tsx';
import classes from './OrgPicker.module.css';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { roleLabel } from '../../i18n/data-names.ts';

/** Shown after sign-in to members of several organizations (R14). */
export default function OrgPickerPage() {
  const { viewer } = useViewer();
  const { signOut } = useSession();
  const navigate = useNavigate();
  // Set when the viewer's access to an organization ended while it was open (R25).
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  if (!viewer) return <PageLoader />;
  const memberships = [...viewer.memberships].sort((a, b) => a.organization.name.localeCompare(b.organization.name));
  return (
    <AuthLayout title={t`Choose an organization`} subtitle={t`Signed in as ${viewer.email}`}>
      {notice && (
        <Alert color="orange" variant="light" role="alert" data-testid="access-notice">
          {notice}
        </Alert>
      )}
      {memberships.length === 0 && <Text c="dimmed"><Trans>You do not belong to any organization yet. Ask an administrator to add you.</Trans></Text>}
      <Stack gap="xs" component="ul" aria-label={t`Organizations`} style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {memberships.map((m) => {
          const disabled = m.status !== 'ACTIVE' || m.organization.status !== 'ACTIVE';
          const why = m.organization.status !== 'ACTIVE' ? t`Organization disabled` : t`Your access is disabled`;
          return (
            <li key={m.id}>
            <UnstyledButton
              className={classes.item}
              data-disabled={disabled || undefined}
              disabled={disabled}
              aria-disabled={disabled}
              onClick={() => {
                rememberOrg(m.organization.slug);
                navigate(`/o/${m.organization.slug}/users`);
              }}
            >
              <Group wrap="nowrap" gap="sm">
                <OrgAvatar name={m.organization.name} disabled={disabled} />
                <div style={{ flex: 1, minWidth: 0 }}>
                  <Text fw={600} truncate>
                    {m.organization.name}
                  </Text>
                  <Text size="xs" c="dimmed" truncate>
                    {m.roles.map(roleLabel).join(', ') || t`No role`} · {m.organization.slug}
                  </Text>
                </div>
                {disabled && (
                  <Badge color="gray" variant="light">
                    {why}
                  </Badge>
                )}
              </Group>
            </UnstyledButton>
            </li>
          );
        })}
      </Stack>
      <Group justify="space-between">
        {viewer.isPlatformAdmin ? (
          <Button component={Link} to="/admin/organizations" variant="light">
            <Trans>Platform admin</Trans>
          </Button>
        ) : (
          <span />
        )}
        <Button variant="subtle" color="gray" onClick={() => void signOut()}>
          <Trans>Sign out</Trans>

        </Button>
      </Group>
    </AuthLayout>
  );
}
