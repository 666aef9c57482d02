import { useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';
import { useOrg } from '../orgs/org-context.ts';
import { useViewer } from '../../app/viewer.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { DisableOrganizationDialog } from './DisableOrganizationDialog.tsx';
import { failureMessage, fieldErrors, readError } from '../../lib/errors.ts';
import { LeaveOrganizationDialog } from './LeaveOrganizationDialog.tsx';
import { OwnershipTransferPanel } from './OwnershipTransferPanel.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { formatDate } from '../../i18n/format.ts';

const UpdateOrganizationMutation = graphql(
  `
  mutation UpdateOrganization($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      __typename
      ... on Organization {
        id
        name
        slug
      }
      ...ErrorFields
      ... on ConflictError {
        path
      }
    }
  }
`,
  [ErrorFields],
);

const DeleteOrganizationMutation = graphql(
  `
  mutation DeleteOrganization($organizationId: ID!, $confirmSlug: String!) {
    deleteOrganization(organizationId: $organizationId, confirmSlug: $confirmSlug) {
      __typename
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const SetOrganizationStatusMutation = graphql(
  `
  mutation SetOrganizationStatus($organizationId: ID!, $status: OrganizationStatus!) {
    setOrganizationStatus(organizationId: $organizationId, status: $status) {
      __typename
      ... on Organization {
        id
        status
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

/** Rename, enable/disable (platform admins), leave and delete the organization. */
export default function SettingsPage() {
  const { org, perms, preset } = useOrg();
  const { viewer } = useViewer();
  const navigate = useNavigate();
  const [name, setName] = useState(org.name);
  const [slug, setSlug] = useState(org.slug);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'delete' | 'leave' | 'disable' | null>(null);
  const [, updateOrg] = useMutation(UpdateOrganizationMutation);
  const [, deleteOrg] = useMutation(DeleteOrganizationMutation);
  const [, setStatus] = useMutation(SetOrganizationStatusMutation);
  const canUpdate = perms.has('org:update');
  const isAdmin = viewer?.isPlatformAdmin ?? false;

  async function save() {
    setBusy(true);
    setErrors({});
    setFormError(null);
    const res = await updateOrg({ input: { organizationId: org.id, name: name.trim(), slug: slug.trim() } });
    setBusy(false);
    const payload = res.data?.updateOrganization;
    if (payload?.__typename === 'Organization') {
      notifications.show({ color: 'green', message: t`Organization saved.` });
      if (payload.slug !== org.slug) navigate(`/o/${payload.slug}/settings`, { replace: true });
      return;
    }
    if (payload?.__typename === 'ValidationError') return setErrors(fieldErrors(payload));
    if (payload?.__typename === 'ConflictError') return setErrors({ [payload.path.at(-1) ?? 'slug']: readError(payload)?.message ?? '' });
    setFormError(failureMessage(payload, res.error, 'Organization'));
  }

  return (
    <Stack gap="lg" maw={720}>
      <div>
        <Title order={1} size="h2"><Trans>Settings</Trans></Title>
        <Text c="dimmed" size="sm">
          <Trans>{org.name} · created {formatDate(org.createdAt)}</Trans>
        </Text>
      </div>

      <Paper withBorder p="lg" radius="md">
        <Stack gap="sm">
          <Title order={3} size="h4">
            <Trans>General</Trans>
          </Title>
          <TextInput label={t`Name`} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} disabled={!canUpdate} />
          <TextInput
            label={t`Slug`}
            description={t`Appears in addresses: /o/<slug>/users. Lowercase letters, digits and dashes.`}
            value={slug}
            onChange={(e) => setSlug(e.currentTarget.value)}
            error={errors.slug}
            disabled={!canUpdate}
          />
          {formError && (
            <Alert color="red" variant="light" role="alert">
              {formError}
            </Alert>
          )}
          {canUpdate ? (
            <Group justify="flex-end">
              <Button onClick={() => void save()} loading={busy} disabled={name === org.name && slug === org.slug}>
                <Trans>Save</Trans>
              </Button>
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              <Trans>Changing the organization needs the org:update permission.</Trans>
            </Text>
          )}
        </Stack>
      </Paper>

      {preset.policy.ownershipTransfer && <OwnershipTransferPanel />}

      {isAdmin && (
        <Paper withBorder p="lg" radius="md">
          <Stack gap="sm">
            <Title order={3} size="h4">
              <Trans>Platform controls</Trans>
            </Title>
            <Switch
              label={t`Organization enabled`}
              description={t`When disabled, its members cannot use it (R10).`}
              checked={org.status === 'ACTIVE'}
              onChange={async (e) => {
                const status = e.currentTarget.checked ? 'ACTIVE' : 'DISABLED';
                if (status === 'DISABLED') return setDialog('disable');
                const res = await setStatus({ organizationId: org.id, status });
                const message = failureMessage(res.data?.setOrganizationStatus, res.error, 'Organization');
                notifications.show(message ? { color: 'red', message } : { color: 'green', message: status === 'ACTIVE' ? t`${org.name} is enabled.` : t`${org.name} is disabled.` });
              }}
            />
          </Stack>
        </Paper>
      )}

      <Paper withBorder p="lg" radius="md" style={{ borderColor: 'var(--mantine-color-red-3)' }}>
        <Stack gap="md">
          <Title order={3} size="h4" c="var(--mantine-color-red-text)">
            <Trans>Danger zone</Trans>
          </Title>
          {viewer?.memberships.some((m) => m.organization.id === org.id) && (
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Text fw={500}><Trans>Leave this organization</Trans></Text>
                <Text size="sm" c="dimmed">
                  <Trans>You lose access; your account and other organizations stay.</Trans>
                </Text>
              </div>
              <Button variant="outline" color="red" onClick={() => setDialog('leave')}>
                <Trans>Leave</Trans>
              </Button>
            </Group>
          )}
          {(perms.has('org:delete') || isAdmin) && (
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Text fw={500}><Trans>Delete this organization</Trans></Text>
                <Text size="sm" c="dimmed">
                  <Trans>Deletes its memberships, roles and invitations. Member accounts stay.</Trans>
                </Text>
              </div>
              <Button color="red" onClick={() => setDialog('delete')}>
                <Trans>Delete</Trans>
              </Button>
            </Group>
          )}
        </Stack>
      </Paper>

      {dialog === 'leave' && <LeaveOrganizationDialog onClose={() => setDialog(null)} />}
      <DisableOrganizationDialog org={dialog === 'disable' ? org : null} onClose={() => setDialog(null)} />
      <ConfirmDialog
        opened={dialog === 'delete'}
        title={t`Delete ${org.name}?`}
        confirmLabel={t`Delete organization`}
        typeToConfirm={org.slug}
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          const res = await deleteOrg({ organizationId: org.id, confirmSlug: org.slug });
          const message = failureMessage(res.data?.deleteOrganization, res.error, 'DeletedPayload');
          if (!message) {
            notifications.show({ color: 'green', message: t`${org.name} was deleted.` });
            navigate('/', { replace: true });
          }
          return message;
        }}
      >
        <Text size="sm"><Trans>This cannot be undone. Every member loses access to {org.name} at once.</Trans></Text>

      </ConfirmDialog>
    </Stack>
  );
}
