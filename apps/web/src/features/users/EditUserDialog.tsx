import { useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, Loader, Paper, Select, Stack, Tabs, Text, TextInput } from '@mantine/core';
import { GuardedModal, useReportDirty } from '../../components/GuardedModal.tsx';
import { usePreset } from '../../app/preset.ts';
import { notifications } from '@mantine/notifications';
import { Link } from 'react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { canonicalEmail, expandPermissions, roleToggleReason } from '@gatehouse/permissions';
import { graphql, readFragment, type FragmentOf } from '../../graphql/graphql.ts';
import { useViewer } from '../../app/viewer.ts';
import { RoleSelector } from '../../components/RoleSelector.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { failureMessage, fieldErrors } from '../../lib/errors.ts';
import { fullName } from '../../lib/format.ts';
import { useActiveOwnerIds } from './owners.ts';
import { useOptionalOrg } from '../orgs/org-context.ts';
import { RemoveMemberMutation, RoleFields, SetMemberRolesMutation, UpdateUserMutation } from './queries.ts';
import { emailIssueText } from '../../i18n/rule-texts.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** One membership with what its row in Organization access shows and decides from. */
const MembershipAccessFields = graphql(
  `
  fragment MembershipAccessFields on Membership {
    id
    status
    roles {
      id
      key
      name
      permissions
    }
    organization {
      id
      slug
      name
      status
      viewerPermissions
      roles {
        ...RoleFields
      }
    }
  }
`,
  [RoleFields],
);

const UserAccessQuery = graphql(
  `
  query UserAccess($userId: ID!) {
    node(id: $userId) {
      __typename
      ... on User {
        id
        email
        firstName
        lastName
        displayName
        authProvider
        status
        memberships {
          id
          organization {
            id
            viewerPermissions
          }
          ...MembershipAccessFields
        }
      }
    }
  }
`,
  [MembershipAccessFields],
);

const GrantOrganizationAccessMutation = graphql(`
  mutation GrantOrganizationAccess($userId: ID!, $organizationId: ID!, $roleIds: [ID!]!) {
    grantOrganizationAccess(userId: $userId, organizationId: $organizationId, roleIds: $roleIds) {
      __typename
      ... on Membership {
        id
      }
      ... on Error {
        message
      }
    }
  }
`);

type AccessUser = Extract<NonNullable<ReturnType<typeof useUserAccess>['user']>, { __typename: 'User' }>;

function useUserAccess(userId: string) {
  const [result] = useQuery({ query: UserAccessQuery, variables: { userId } });
  const node = result.data?.node;
  return { user: node?.__typename === 'User' ? node : null, fetching: result.fetching, error: result.error };
}

/** Edit a user: Basic info and Organization access tabs (seed 002). */
export function EditUserDialog({ opened, userId, onClose }: { opened: boolean; userId: string; onClose(): void }) {
  const { user, fetching, error } = useUserAccess(userId);
  return (
    <GuardedModal opened={opened} onClose={onClose} title={user ? t`Edit ${fullName(user)}` : t`Edit user`} size="xl">
      {!user && fetching && <Loader size="sm" />}
      {!user && !fetching && <Alert color="red">{error?.message ?? t`This user is not visible to you.`}</Alert>}
      {user && (
        <Tabs defaultValue="basic">
          <Tabs.List>
            <Tabs.Tab value="basic"><Trans>Basic info</Trans></Tabs.Tab>
            <Tabs.Tab value="access"><Trans>Organization access</Trans></Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="basic" pt="md">
            <BasicInfo user={user as AccessUser} onSaved={onClose} />
          </Tabs.Panel>
          <Tabs.Panel value="access" pt="md">
            <OrganizationAccess user={user as AccessUser} />
          </Tabs.Panel>
        </Tabs>
      )}
    </GuardedModal>
  );
}

/** The address waiting for confirmation (R20): the API shows it to platform admins only. */
const PendingEmailQuery = graphql(`
  query UserPendingEmail($userId: ID!) {
    node(id: $userId) {
      __typename
      ... on User {
        id
        pendingEmail
      }
    }
  }
`);

function BasicInfo({ user, onSaved }: { user: AccessUser; onSaved(): void }) {
  const { viewer } = useViewer();
  const own = viewer?.id === user.id;
  const [, update] = useMutation(UpdateUserMutation);
  const [pending, refetchPending] = useQuery({ query: PendingEmailQuery, variables: { userId: user.id }, pause: !viewer?.isPlatformAdmin || own });
  const pendingEmail = pending.data?.node?.__typename === 'User' ? pending.data.node.pendingEmail : null;
  const [email, setEmail] = useState(user.email);
  const [firstName, setFirstName] = useState(user.firstName);
  const [lastName, setLastName] = useState(user.lastName);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [emailSentTo, setEmailSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Compared in canonical form, as the API stores it: a change of case only is no change.
  const emailChanged = !own && (canonicalEmail(email) ?? email.trim()) !== user.email;
  const changed = emailChanged || firstName !== user.firstName || lastName !== user.lastName;
  useReportDirty('basic-info', changed);

  async function save() {
    // One's own email changes on My account only (current password + confirmation, R20).
    if (emailChanged) {
      const problem = emailIssueText(email);
      if (problem) return setErrors({ email: problem });
    }
    setBusy(true);
    setErrors({});
    setFormError(null);
    setEmailSentTo(null);
    const res = await update({
      input: { userId: user.id, firstName: firstName.trim(), lastName: lastName.trim(), ...(emailChanged ? { email: email.trim() } : {}) },
    });
    setBusy(false);
    const payload = res.data?.updateUser;
    if (payload?.__typename === 'User') {
      if (emailChanged) {
        // The address changes only when its holder follows the link (R20): the account keeps the old one until then.
        setEmailSentTo(canonicalEmail(email) ?? email.trim());
        setEmail(payload.email);
        if (viewer?.isPlatformAdmin) refetchPending({ requestPolicy: 'network-only' });
        return;
      }
      notifications.show({ color: 'green', message: t`Saved.` });
      onSaved();
      return;
    }
    if (payload?.__typename === 'ValidationError') return setErrors(fieldErrors(payload));
    if (payload?.__typename === 'ConflictError') return setErrors({ [payload.path.at(-1) ?? 'email']: payload.message });
    setFormError(failureMessage(payload, res.error, 'User'));
  }

  return (
    <Stack gap="sm">
      {own ? (
        <TextInput
          label={t`Email`}
          type="email"
          value={user.email}
          readOnly
          description={
            <Trans>
              Your own address changes on{' '}
              <Anchor component={Link} to="/account" size="xs">
                My account
              </Anchor>
              , with your current password and a confirmation from the new address.
            </Trans>
          }
        />
      ) : (
        <TextInput
          label={t`Email`}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={errors.email}
          description={
            pendingEmail
              ? t`Waiting for confirmation: ${pendingEmail}. The address changes when its holder follows the link.`
              : t`A new address takes effect only when its holder follows the confirmation link sent to it.`
          }
        />
      )}
      {emailSentTo && (
        <Alert color="blue" variant="light" role="status" data-testid="email-change-sent">
          <Trans>A confirmation link was sent to {emailSentTo}; the address changes when it is confirmed.</Trans>
        </Alert>
      )}
      <Group grow align="flex-start">
        <TextInput label={t`First name`} value={firstName} onChange={(e) => setFirstName(e.currentTarget.value)} error={errors.firstName} />
        <TextInput label={t`Last name`} value={lastName} onChange={(e) => setLastName(e.currentTarget.value)} error={errors.lastName} />
      </Group>
      <TextInput label={t`Auth provider`} value={user.authProvider} readOnly description={t`How this user signs in. Set by the identity source.`} />
      <Group gap="xs">
        <Text size="sm"><Trans>Account status:</Trans></Text>
        <StatusBadge status={user.status} />
      </Group>
      {formError && (
        <Alert color="red" variant="light" role="alert">
          {formError}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button onClick={() => void save()} loading={busy} disabled={!changed}>
          <Trans>Save</Trans>
        </Button>
      </Group>
    </Stack>
  );
}

function OrganizationAccess({ user }: { user: AccessUser }) {
  const { viewer } = useViewer();
  const isAdmin = viewer?.isPlatformAdmin ?? false;
  const administrable = user.memberships.filter((m) => {
    const perms = new Set(m.organization.viewerPermissions);
    return isAdmin || perms.has('members:update') || perms.has('members:remove');
  });
  return (
    <Stack gap="sm">
      {administrable.length === 0 && <Text c="dimmed"><Trans>No organization of this user that you can administer.</Trans></Text>}
      {administrable.map((m) => (
        <MembershipAccess key={m.id} membership={m} userId={user.id} />
      ))}
      {isAdmin && <AddOrganizationAccess userId={user.id} existing={user.memberships.map((m) => m.organization.id)} />}
    </Stack>
  );
}

function MembershipAccess({ membership: data, userId }: { membership: FragmentOf<typeof MembershipAccessFields>; userId: string }) {
  const membership = readFragment(MembershipAccessFields, data);
  const { viewer } = useViewer();
  const current = useOptionalOrg();
  const [, setRoles] = useMutation(SetMemberRolesMutation);
  const [, remove] = useMutation(RemoveMemberMutation);
  const savedIds = membership.roles.map((r) => r.id);
  const [roleIds, setRoleIds] = useState<string[]>(savedIds);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  useEffect(() => setRoleIds(membership.roles.map((r) => r.id)), [membership.roles]);

  const org = membership.organization;
  const roles = readFragment(RoleFields, org.roles);
  const actorPerms = expandPermissions(org.viewerPermissions);
  const activePreset = usePreset();
  const policy = current?.preset.policy ?? activePreset?.policy;
  const multiple = policy?.multipleRolesPerMembership ?? true;
  const activeOwnerMembershipIds = useActiveOwnerIds(org.slug, roles);
  const ctx = {
    actorUserId: viewer?.id ?? '',
    targetUserId: userId,
    membershipId: membership.id,
    actorPerms,
    currentRoles: membership.roles,
    activeOwnerMembershipIds,
    policy: { ownerModel: policy?.ownerModel ?? 'multiple', multipleRolesPerMembership: multiple },
  };
  const dirty = roleIds.length !== savedIds.length || roleIds.some((id) => !savedIds.includes(id));
  useReportDirty(`roles-${membership.id}`, dirty);
  // Focus follows the row action: into the confirmation when it opens, back to the button after.
  const removeButton = useRef<HTMLButtonElement>(null);
  const cancelRemove = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (confirmRemove) cancelRemove.current?.focus();
    else if (wasConfirming.current) removeButton.current?.focus();
    wasConfirming.current = confirmRemove;
  }, [confirmRemove]);

  async function save() {
    setBusy(true);
    setError(null);
    const res = await setRoles({ membershipId: membership.id, roleIds });
    setBusy(false);
    const message = failureMessage(res.data?.setMemberRoles, res.error, 'Membership');
    if (message) setError(message);
    else notifications.show({ color: 'green', message: t`Roles in ${org.name} saved.` });
  }

  async function removeAccess() {
    setBusy(true);
    setError(null);
    const res = await remove({ membershipId: membership.id });
    setBusy(false);
    setConfirmRemove(false);
    const message = failureMessage(res.data?.removeMember, res.error, 'RemovedMemberPayload');
    if (message) setError(message);
    else notifications.show({ color: 'green', message: t`Access to ${org.name} removed.` });
  }

  return (
    <Paper withBorder p="md" radius="md" data-testid={`access-${org.slug}`}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <Anchor component={Link} to={`/o/${org.slug}/users`} fw={600}>
              {org.name}
            </Anchor>
            <StatusBadge status={membership.status} />
            {org.status === 'DISABLED' && (
              <Badge color="gray" variant="outline">
                <Trans>organization disabled</Trans>
              </Badge>
            )}
          </Group>
          {confirmRemove ? (
            <Group gap="xs" role="group" aria-label={t`Confirm removing access to ${org.name}`}>
              <Text size="sm"><Trans>Remove access to {org.name}?</Trans></Text>
              <Button ref={cancelRemove} size="xs" variant="default" onClick={() => setConfirmRemove(false)}>
                <Trans>Cancel</Trans>
              </Button>
              <Button size="xs" color="red" loading={busy} onClick={() => void removeAccess()}>
                <Trans>Yes, remove</Trans>
              </Button>
            </Group>
          ) : (
            <Button ref={removeButton} size="xs" variant="subtle" color="red" onClick={() => setConfirmRemove(true)} disabled={viewer?.id === userId}>
              <Trans>Remove access</Trans>
            </Button>
          )}
        </Group>
        <RoleSelector
          roles={roles}
          value={roleIds}
          onChange={setRoleIds}
          multiple={multiple}
          reasonFor={(role) => roleToggleReason(role, ctx, roles)}
          label={multiple ? t`Roles` : t`Role`}
          error={error}
        />
        <Group justify="flex-end">
          <Button size="xs" variant="default" disabled={!dirty} onClick={() => setRoleIds(savedIds)}>
            <Trans>Reset</Trans>
          </Button>
          <Button size="xs" disabled={!dirty || roleIds.length === 0} loading={busy} onClick={() => void save()}>
            <Trans>Save roles</Trans>
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}


const AdminOrganizationsQuery = graphql(`
  query AdminOrganizationChoices($search: String) {
    organizations(first: 50, search: $search) {
      edges {
        node {
          id
          slug
          name
          status
        }
      }
    }
  }
`);

const OrgRolesQuery = graphql(`
  query OrgRoles($slug: String!) {
    organization(slug: $slug) {
      id
      viewerPermissions
      roles {
        id
        key
        name
        description
        permissions
        builtin
        memberCount
      }
    }
  }
`);

/** Platform admins give a user access to another organization (R15). */
function AddOrganizationAccess({ userId, existing }: { userId: string; existing: string[] }) {
  const [open, setOpen] = useState(false);
  const [slug, setSlug] = useState<string | null>(null);
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [orgs] = useQuery({ query: AdminOrganizationsQuery, variables: { search: null }, pause: !open });
  const [roles] = useQuery({ query: OrgRolesQuery, variables: { slug: slug ?? '' }, pause: !slug });
  const [, grant] = useMutation(GrantOrganizationAccessMutation);
  const client = useClient();
  const choices = (orgs.data?.organizations.edges ?? []).map((e) => e.node).filter((o) => !existing.includes(o.id));
  const target = roles.data?.organization;
  const current = useOptionalOrg();
  const activePreset = usePreset();
  const multiple = (current?.preset ?? activePreset)?.policy.multipleRolesPerMembership ?? false;
  useReportDirty('add-access', open && (slug !== null || roleIds.length > 0));

  if (!open) {
    return (
      <Group>
        <Button variant="light" onClick={() => setOpen(true)}>
          + <Trans>Add organization access</Trans>
        </Button>
      </Group>
    );
  }
  return (
    <Paper withBorder p="md" radius="md" data-testid="add-access">
      <Stack gap="sm">
        <Select
          label={t`Organization`}
          placeholder={t`Choose an organization`}
          searchable
          data={choices.map((o) => ({ value: o.slug, label: o.status === 'DISABLED' ? t`${o.name} (disabled)` : o.name }))}
          value={slug}
          onChange={(v) => {
            setSlug(v);
            setRoleIds([]);
          }}
          nothingFoundMessage={orgs.fetching ? t`Loading…` : t`No other organization`}
        />
        {target && (
          <RoleSelector
            roles={target.roles}
            value={roleIds}
            onChange={setRoleIds}
            multiple={multiple}
            reasonFor={() => null}
            label={multiple ? t`Roles` : t`Role`}
            compact
          />
        )}
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setOpen(false)}>
            <Trans>Cancel</Trans>
          </Button>
          <Button
            loading={busy}
            disabled={!target || roleIds.length === 0}
            onClick={async () => {
              if (!target) return;
              setBusy(true);
              const res = await grant({ userId, organizationId: target.id, roleIds });
              setBusy(false);
              const message = failureMessage(res.data?.grantOrganizationAccess, res.error, 'Membership');
              if (message) return setError(message);
              await client.query(UserAccessQuery, { userId }, { requestPolicy: 'network-only' }).toPromise();
              setOpen(false);
              setSlug(null);
              notifications.show({ color: 'green', message: t`Access granted.` });
            }}
          >
            <Trans>Grant access</Trans>

          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

