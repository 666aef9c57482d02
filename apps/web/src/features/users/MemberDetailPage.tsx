// A member's page, read-only (/o/:slug/users/:membershipId): profile, roles in this organization
// with what they allow, and the recent audit events about them (those naming the membership and
// those naming the account; audit:read). Anyone who may read members may open it.
import type { ReactNode } from 'react';
import { roleLabel } from '../../i18n/data-names.ts';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { Alert, Anchor, Badge, Group, Paper, SimpleGrid, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { isOwnerRole } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { fullName } from '../../lib/format.ts';
import { formatDate, formatDateTime } from '../../i18n/format.ts';
import { graphql, readFragment, type FragmentOf } from '../../graphql/graphql.ts';
import { plural, t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const EVENTS_SHOWN = 10;

/** What the page shows about the member (profile and roles). */
const MemberDetailFields = graphql(`
  fragment MemberDetailFields on Membership {
    id
    status
    createdAt
    organization {
      id
    }
    addedBy {
      id
      displayName
      email
    }
    user {
      id
      email
      emailVerified
      firstName
      lastName
      displayName
      authProvider
      status
      createdAt
      lastLoginAt
    }
    roles {
      id
      key
      name
      builtin
      permissions
    }
  }
`);

const MemberDetailQuery = graphql(
  `
  query MemberDetail($id: ID!, $slug: String!) {
    node(id: $id) {
      __typename
      ... on Membership {
        ...MemberDetailFields
      }
    }
    organization(slug: $slug) {
      id
      roles {
        id
        description
      }
    }
  }
`,
  [MemberDetailFields],
);

/** One line of the member's recent activity. */
const AuditEventAboutFields = graphql(`
  fragment AuditEventAboutFields on AuditEvent {
    id
    action
    actorLabel
    createdAt
  }
`);

type AuditEventAbout = FragmentOf<typeof AuditEventAboutFields>;

/** Events about one member: those naming the membership and those naming the account (two targets). */
const MemberAuditQuery = graphql(
  `
  query MemberAudit($slug: String!, $membershipTarget: ID!, $userTarget: ID!) {
    organization(slug: $slug) {
      id
      aboutMembership: auditLog(targetId: $membershipTarget, first: 10) {
        edges {
          node {
            ...AuditEventAboutFields
          }
        }
      }
      aboutUser: auditLog(targetId: $userTarget, first: 10) {
        edges {
          node {
            ...AuditEventAboutFields
          }
        }
      }
    }
  }
`,
  [AuditEventAboutFields],
);

export default function MemberDetailPage() {
  const { membershipId = '' } = useParams();
  const { org, can } = useOrg();
  const [result] = useQuery({ query: MemberDetailQuery, variables: { id: membershipId, slug: org.slug } });
  const node = result.data?.node;
  const found = node?.__typename === 'Membership' ? readMember(node) : null;
  const member = found?.organization.id === org.id ? found : null;
  const mayAudit = can('audit:read');
  const [audit] = useQuery({
    query: MemberAuditQuery,
    // The audit log's targetId filter takes the global ids the member's fields answer.
    variables: { slug: org.slug, membershipTarget: member?.id ?? '', userTarget: member?.user.id ?? '' },
    pause: !member || !mayAudit,
  });
  const back = (
    <Anchor component={Link} to={`/o/${org.slug}/users`} size="sm">
      ← <Trans>All users</Trans>
    </Anchor>
  );

  if (result.fetching && !result.data) {
    return (
      <Stack gap="md" aria-busy>
        {back}
        <Skeleton h={32} w={240} />
        <Skeleton h={160} />
      </Stack>
    );
  }
  if (!member) {
    return (
      <Stack gap="md">
        {back}
        <Title order={1} size="h2"><Trans>Member not found</Trans></Title>
        <Text c="dimmed"><Trans>This person is not a member of {org.name}, or you cannot see them.</Trans></Text>

      </Stack>
    );
  }

  const { user } = member;
  const roleInfo = new Map((result.data?.organization?.roles ?? []).map((r) => [r.id, r]));
  const events = mergeEvents(
    audit.data?.organization?.aboutMembership?.edges.map((e) => e.node) ?? [],
    audit.data?.organization?.aboutUser?.edges.map((e) => e.node) ?? [],
  );

  return (
    <Stack gap="md">
      {back}
      <Group gap="sm" align="center">
        <Title order={1} size="h2">{fullName(user)}</Title>
        <StatusBadge status={user.status === 'DISABLED' ? 'DISABLED' : member.status} />
      </Group>

      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="profile-heading">
          <Title order={2} size="h4" id="profile-heading" mb="sm">
            <Trans>Profile</Trans>
          </Title>
          <dl style={{ margin: 0 }}>
            <Fact label={t`Email`}>
              {user.email} {user.emailVerified ? '' : t`(not confirmed)`}
            </Fact>
            <Fact label={t`First name`}>{user.firstName || '—'}</Fact>
            <Fact label={t`Last name`}>{user.lastName || '—'}</Fact>
            <Fact label={t`Signs in with`}>{user.authProvider}</Fact>
            <Fact label={t`Last sign-in`}>{user.lastLoginAt ? formatDateTime(user.lastLoginAt) : t`Never`}</Fact>
            <Fact label={t`Account created`}>{formatDate(user.createdAt)}</Fact>
            <Fact label={t`Member of ${org.name} since`}>{formatDate(member.createdAt)}</Fact>
            <Fact label={t`Added by`}>{member.addedBy ? fullName({ ...member.addedBy, firstName: '', lastName: '' }) : '—'}</Fact>
          </dl>
        </Paper>

        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="roles-heading">
          <Title order={2} size="h4" id="roles-heading" mb="sm">
            <Trans>Roles in {org.name}</Trans>
          </Title>
          {member.roles.length === 0 ? (
            <Text size="sm" c="dimmed">
              <Trans>No role.</Trans>
            </Text>
          ) : (
            <Stack gap="sm">
              {member.roles.map((r) => (
                <div key={r.id}>
                  <Badge variant="light" radius="sm" color={isOwnerRole(r) ? 'grape' : 'indigo'}>
                    {roleLabel(r)}
                  </Badge>
                  {roleInfo.get(r.id)?.description && (
                    <Text size="sm" mt={4}>
                      {roleInfo.get(r.id)?.description}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed" mt={2}>
                    {plural(r.permissions.length, { one: '# permission', other: '# permissions' })}: {r.permissions.slice(0, 6).join(', ')}
                    {r.permissions.length > 6 ? ', …' : ''}
                  </Text>
                </div>
              ))}
            </Stack>
          )}
        </Paper>
      </SimpleGrid>

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="audit-heading">
        <Title order={2} size="h4" id="audit-heading" mb="sm">
          <Trans>Recent activity about {fullName(user)}</Trans>
        </Title>
        {!mayAudit ? (
          <Text size="sm" c="dimmed">
            <Trans>The audit log needs the audit:read permission.</Trans>
          </Text>
        ) : audit.error ? (
          <Alert color="red">{audit.error.message}</Alert>
        ) : audit.fetching && !audit.data ? (
          <Skeleton h={80} />
        ) : events.length === 0 ? (
          <Text size="sm" c="dimmed">
            <Trans>No recorded events about this member.</Trans>
          </Text>
        ) : (
          <div className="gh-table-scroll">
            <Table aria-label={t`Audit events about ${fullName(user)}`} data-testid="member-audit">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th><Trans>When</Trans></Table.Th>
                  <Table.Th><Trans>Action</Trans></Table.Th>
                  <Table.Th><Trans>By</Trans></Table.Th>

                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.map((e) => (
                  <EventRow key={readFragment(AuditEventAboutFields, e).id} event={e} />
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </Paper>
    </Stack>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline" mb={4}>
      <Text component="dt" size="sm" c="dimmed" w={170} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text component="dd" size="sm" m={0} style={{ wordBreak: 'break-word' }}>
        {children}
      </Text>
    </Group>
  );
}

/** As the fragment's own type: readFragment narrows a value carrying __typename to nothing. */
function readMember(node: FragmentOf<typeof MemberDetailFields>) {
  return readFragment(MemberDetailFields, node);
}

function EventRow({ event }: { event: AuditEventAbout }) {
  const e = readFragment(AuditEventAboutFields, event);
  return (
    <Table.Tr>
      <Table.Td className="gh-nowrap">
        <Text size="sm">{formatDateTime(e.createdAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {e.action}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{e.actorLabel}</Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** Newest first, each event once, at most EVENTS_SHOWN. */
function mergeEvents(a: readonly AuditEventAbout[], b: readonly AuditEventAbout[]): AuditEventAbout[] {
  const read = (e: AuditEventAbout) => readFragment(AuditEventAboutFields, e);
  const byId = new Map([...a, ...b].map((e) => [read(e).id, e]));
  return [...byId.values()].sort((x, y) => read(y).createdAt.localeCompare(read(x).createdAt)).slice(0, EVENTS_SHOWN);
}
