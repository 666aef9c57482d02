import { useMemo, useState } from 'react';
import {
  ActionIcon, Alert, Badge, Button, Group, Menu, Modal, SegmentedControl, Stack, Table, Text, Textarea, Title,
} from '@mantine/core';
import { IconDots, IconX } from '@tabler/icons-react';
import { useMutation, useQuery } from 'urql';
import { useOrg } from '../orgs/org-context.ts';
import { RoleSelector } from '../../components/RoleSelector.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { addRoleReason, presetDefaultRole } from '@gatehouse/permissions';
import { failureMessage, readError } from '../../lib/errors.ts';
import { formatDate, formatDateTime } from '../../i18n/format.ts';
import { readFragment, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';
import { InvitationFields, InvitationsQuery, InviteMembersMutation } from './queries.ts';
import { roleLabel } from '../../i18n/data-names.ts';
import { useInvitationActions } from './invitation-actions.ts';
import { SkeletonRows } from '../../components/SkeletonRows.tsx';
import { useUrlPaging } from '../../lib/paging.ts';
import { Pager } from '../../lib/Pager.tsx';
import { InviteResourceGrants, useInviteGrantOptions } from '../resources/InviteResourceGrants.tsx';
import { inviteGrantIssues, inviteGrantLabels, type InviteGrantDraft } from '../resources/resource-ui-rules.ts';
import { plural, t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

type OrgRole = NonNullable<ResultOf<typeof InvitationsQuery>['organization']>['roles'][number];

const STATUS_COLOR: Record<string, string> = { PENDING: 'blue', ACCEPTED: 'green', REVOKED: 'gray', EXPIRED: 'orange' };

/** R8 (seeds 001, 003): invite by email, review, resend, revoke. */
export default function InvitationsPage() {
  const { org, preset, perms } = useOrg();
  const [status, setStatus] = useState<string>('PENDING');
  const paging = useUrlPaging();
  const [inviting, setInviting] = useState(false);
  const [revoking, setRevoking] = useState<InvitationRef | null>(null);
  const [result] = useQuery({
    query: InvitationsQuery,
    variables: { slug: org.slug, first: paging.size, after: paging.after, status: status === 'ALL' ? null : [status as 'PENDING'] },
  });
  const actions = useInvitationActions();
  const invitations = result.data?.organization?.invitations;
  const apiRoles = result.data?.organization?.roles;
  // Built-in roles by their translated name (the selector and the review show `name`).
  const roles = useMemo(() => (apiRoles ?? []).map((role) => ({ ...role, name: roleLabel(role) })), [apiRoles]);
  const canInvite = perms.has('members:invite') && preset.policy.invitations;

  if (!preset.policy.invitations) {
    return <NotFoundPage title={t`Invitations are off`} message={t`The ${preset.name} preset adds members directly: use Add users on the Users page.`} />;
  }

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2"><Trans>Invitations</Trans></Title>
          <Text c="dimmed" size="sm">
            <Trans>People invited to {org.name} by email. Links work once and expire.</Trans>
          </Text>
        </div>
        {canInvite && <Button onClick={() => setInviting(true)}><Trans>Invite members</Trans></Button>}
      </Group>
      <SegmentedControl
        value={status}
        onChange={(v) => {
          setStatus(v);
          if (paging.page > 0) paging.first();
        }}
        data={[
          { value: 'PENDING', label: t`Pending` },
          { value: 'ACCEPTED', label: t`Accepted` },
          { value: 'EXPIRED', label: t`Expired` },
          { value: 'REVOKED', label: t`Revoked` },
          { value: 'ALL', label: t`All` },
        ]}
        w="fit-content"
      />
      {result.error && !invitations && <Alert color="red">{result.error.message}</Alert>}
      <div className="gh-table-scroll">
        <Table striped highlightOnHover miw={760} aria-label={t`Invitations`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th><Trans>Email</Trans></Table.Th>
              <Table.Th><Trans>Roles</Trans></Table.Th>
              <Table.Th><Trans>Status</Trans></Table.Th>
              <Table.Th><Trans>Invited by</Trans></Table.Th>
              <Table.Th><Trans>Last sent</Trans></Table.Th>
              <Table.Th><Trans>Expires</Trans></Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {!invitations &&
              result.fetching && <SkeletonRows rows={3} columns={7} />}
            {invitations?.edges.map(({ node }) => (
              <InvitationTableRow key={node.id} invitation={node} canInvite={canInvite} onResend={(inv) => void actions.resend(inv)} onRevoke={setRevoking} />
            ))}
            {invitations && invitations.edges.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={7}>
                  <Text ta="center" c="dimmed" py="lg">
                    {status === 'ALL' ? t`No invitations.` : t`No ${statusWord(status)} invitations.`}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>
      <Pager paging={paging} total={invitations?.totalCount} shown={invitations?.edges.length ?? 0} hasNext={Boolean(invitations?.pageInfo.hasNextPage)} endCursor={invitations?.pageInfo.endCursor} noun="invitations" />
      {inviting && <InviteDialog roles={roles} onClose={() => setInviting(false)} />}
      <ConfirmDialog
        opened={revoking !== null}
        title={t`Revoke this invitation?`}
        confirmLabel={t`Revoke`}
        onClose={() => setRevoking(null)}
        onConfirm={async () => (revoking ? actions.revoke(revoking) : null)}
      >
        <Text size="sm"><Trans>The link sent to {revoking?.email} stops working at once.</Trans></Text>
      </ConfirmDialog>
    </Stack>
  );
}

interface InvitationRef {
  id: string;
  email: string;
}

/** One invitation of the list (owns InvitationFields). */
function InvitationTableRow({ invitation, canInvite, onResend, onRevoke }: {
  invitation: FragmentOf<typeof InvitationFields>;
  canInvite: boolean;
  onResend(invitation: InvitationRef): void;
  onRevoke(invitation: InvitationRef): void;
}) {
  const { preset } = useOrg();
  const inv = readFragment(InvitationFields, invitation);
  return (
    <Table.Tr data-testid={`invitation-${inv.email}`}>
      <Table.Td>
        <Text size="sm">{inv.email}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{inv.roles.map(roleLabel).join(', ')}</Text>
        {inv.resourceGrants.length > 0 && (
          <Text size="xs" c="dimmed" data-testid={`invitation-grants-${inv.email}`}>
            {inviteGrantLabels(preset.key, inv.resourceGrants).join(', ')}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={STATUS_COLOR[inv.status] ?? 'gray'}>
          {statusWord(inv.status)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{inv.invitedBy?.displayName ?? '—'}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {formatDateTime(inv.lastSentAt)}
          {inv.sendCount > 1 ? ` (${inv.sendCount}×)` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDate(inv.expiresAt)}</Text>
      </Table.Td>
      <Table.Td>
        {(inv.status === 'PENDING' || inv.status === 'EXPIRED') && canInvite && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={t`Actions for the invitation of ${inv.email}`}>
                <IconDots size={18} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => onResend(inv)}>
                <Trans>Resend</Trans>
              </Menu.Item>
              {inv.status === 'PENDING' && (
                <Menu.Item color="var(--mantine-color-red-text)" onClick={() => onRevoke(inv)}>
                  <Trans>Revoke</Trans>
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

interface Review {
  email: string;
  status: string;
  message: string | null;
}

/** An invitation status as a word (the badge, the empty list). */
function statusWord(status: string): string {
  switch (status) {
    case 'PENDING':
      return t`pending`;
    case 'ACCEPTED':
      return t`accepted`;
    case 'EXPIRED':
      return t`expired`;
    case 'REVOKED':
      return t`revoked`;
    default:
      return status.toLowerCase();
  }
}

const reviewLabel = (): Record<string, { label: string; color: string }> => ({
  INVITED: { label: t`Will be invited`, color: 'green' },
  ALREADY_INVITED: { label: t`Already invited`, color: 'gray' },
  ALREADY_MEMBER: { label: t`Already a member`, color: 'gray' },
  INVALID_ADDRESS: { label: t`Not an email address`, color: 'red' },
});

/** CloudTruth flow: a comma-separated list, a review list (dry run) with roles, then send. */
function InviteDialog({ roles, onClose }: { roles: readonly OrgRole[]; onClose(): void }) {
  const { org, preset, perms } = useOrg();
  const [, invite] = useMutation(InviteMembersMutation);
  const [text, setText] = useState('');
  const [review, setReview] = useState<Review[] | null>(null);
  const [sent, setSent] = useState<{ email: string; status: string; emailSent: boolean }[] | null>(null);
  const reasonFor = (role: OrgRole) => addRoleReason(role, { actorPerms: perms, policy: preset.policy });
  const initial = presetDefaultRole(roles, preset.key, (r) => reasonFor(r) === null);
  const [roleIds, setRoleIds] = useState<string[]>(initial ? [initial.id] : []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const limit = preset.policy.bulkLimit;
  // Resource grants (R19): only where the preset has resource types; options from @gatehouse/permissions.
  const [grants, setGrants] = useState<InviteGrantDraft[]>([]);
  const [grantIssues, setGrantIssues] = useState<Map<number, string>>(new Map());
  const invitedRoleKeys = roles.filter((r) => roleIds.includes(r.id)).map((r) => r.key);
  const grantOptions = useInviteGrantOptions(invitedRoleKeys);
  const changeGrants = (next: InviteGrantDraft[]) => {
    setGrants(next);
    setGrantIssues(new Map());
  };

  async function run(dryRun: boolean, emails: string[]) {
    if (inviteGrantIssues(grantOptions.options, grants).size > 0) {
      setError(t`Fix the access to resources first.`);
      return null;
    }
    setBusy(true);
    setError(null);
    const res = await invite({ organizationId: org.id, emails, roleIds, dryRun, resourceGrants: grants.length ? grants : null });
    setBusy(false);
    const payload = res.data?.inviteMembers;
    if (payload?.__typename === 'InviteMembersPayload') return payload;
    if (payload?.__typename === 'ValidationError') {
      // Paths like ["resourceGrants", "1", "roleKey"] point at one grant.
      const byGrant = new Map<number, string>();
      for (const issue of readError(payload)?.issues ?? []) {
        const i = issue.path.indexOf('resourceGrants');
        if (i >= 0 && Number.isInteger(Number(issue.path[i + 1]))) byGrant.set(Number(issue.path[i + 1]), issue.message);
      }
      setGrantIssues(byGrant);
    }
    setError(
      payload?.__typename === 'ValidationError'
        ? (readError(payload)?.issues ?? []).map((i) => i.message).join(' ')
        : (failureMessage(payload, res.error, 'InviteMembersPayload') ?? t`Could not invite.`),
    );
    return null;
  }

  async function doReview() {
    if (roleIds.length === 0) return setError(t`Choose at least one role.`);
    const payload = await run(true, [text]);
    if (payload) setReview(payload.results.map((r) => ({ email: r.email, status: r.status, message: r.message ?? null })));
  }

  async function send() {
    const emails = (review ?? []).filter((r) => r.status === 'INVITED').map((r) => r.email);
    if (emails.length === 0) return setError(t`Nobody left to invite.`);
    const payload = await run(false, emails);
    if (payload) setSent(payload.results.map((r) => ({ email: r.email, status: r.status, emailSent: r.emailSent })));
  }

  return (
    <Modal opened onClose={onClose} title={sent ? t`Invitations sent` : t`Invite team members`} size="lg">
      <Stack gap="md">
        {sent ? (
          <>
            {sent.map((r) => (
              <Group key={r.email} justify="space-between">
                <Text size="sm">{r.email}</Text>
                <Badge color={r.status === 'INVITED' ? (r.emailSent ? 'green' : 'orange') : 'gray'} variant="light">
                  {r.status === 'INVITED' ? (r.emailSent ? t`Invited` : t`Invited, mail not sent: resend later`) : reviewLabel()[r.status]?.label ?? r.status}
                </Badge>
              </Group>
            ))}
            <Group justify="flex-end">
              <Button onClick={onClose}><Trans>Done</Trans></Button>
            </Group>
          </>
        ) : (
          <>
            <Textarea
              label={t`Email addresses`}
              description={t`Separate addresses with commas, spaces or new lines. Up to ${limit} at a time.`}
              placeholder="ada@example.com, grace@example.com"
              autosize
              minRows={3}
              value={text}
              onChange={(e) => {
                setText(e.currentTarget.value);
                setReview(null);
              }}
              data-autofocus
            />
            <RoleSelector
              roles={roles}
              value={roleIds}
              onChange={setRoleIds}
              multiple={preset.policy.multipleRolesPerMembership}
              reasonFor={reasonFor}
              label={preset.policy.multipleRolesPerMembership ? t`Roles for every invitation` : t`Role for every invitation`}
              compact
            />
            {grantOptions.types.length > 0 && (
              <InviteResourceGrants
                options={grantOptions.options}
                typesLabel={grantOptions.typesLabel}
                value={grants}
                onChange={changeGrants}
                serverIssues={grantIssues}
                fetching={grantOptions.fetching}
                error={grantOptions.error}
                more={grantOptions.more}
              />
            )}
            {review && (
              <Stack gap={6} aria-label={t`Review list`}>
                <Text size="sm" fw={600}>
                  <Trans>Review</Trans>
                </Text>
                {review.map((r) => (
                  <Group key={r.email} justify="space-between" wrap="nowrap" data-testid={`review-${r.email}`}>
                    <Text size="sm" truncate>
                      {r.email}
                    </Text>
                    <Group gap="xs" wrap="nowrap">
                      <Badge variant="light" color={reviewLabel()[r.status]?.color ?? 'gray'}>
                        {reviewLabel()[r.status]?.label ?? r.status}
                      </Badge>
                      <ActionIcon variant="subtle" color="gray" aria-label={t`Remove ${r.email} from the list`} onClick={() => setReview((all) => (all ?? []).filter((x) => x.email !== r.email))}>
                        <IconX size={14} />
                      </ActionIcon>
                    </Group>
                  </Group>
                ))}
              </Stack>
            )}
            {error && (
              <Alert color="red" variant="light" role="alert">
                {error}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                <Trans>Cancel</Trans>
              </Button>
              {review ? (
                <Button onClick={() => void send()} loading={busy} disabled={!review.some((r) => r.status === 'INVITED')}>
                  {plural(review.filter((r) => r.status === 'INVITED').length, { one: 'Send # invitation', other: 'Send # invitations' })}
                </Button>
              ) : (
                <Button onClick={() => void doReview()} loading={busy} disabled={!text.trim()}>
                  <Trans>Set roles and review</Trans>

                </Button>
              )}
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}
