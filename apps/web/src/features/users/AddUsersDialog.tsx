import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Divider, Group, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { GuardedModal } from '../../components/GuardedModal.tsx';
import { AcknowledgeSecret } from '../../components/AcknowledgeSecret.tsx';
import { useClient, useMutation } from 'urql';
import { IconX } from '@tabler/icons-react';
import { canonicalEmail } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { RoleSelector } from '../../components/RoleSelector.tsx';
import { SecretValue } from '../../components/SecretValue.tsx';
import { addRoleReason, presetDefaultRole } from '@gatehouse/permissions';
import { failureMessage } from '../../lib/errors.ts';
import { graphql } from '../../graphql/graphql.ts';
import type { OrgRole } from './queries.ts';
import { InviteResourceGrants, useGrantableResources } from '../resources/InviteResourceGrants.tsx';
import { inviteGrantIssues, inviteGrantOptions, type InviteGrantDraft } from '../resources/resource-ui-rules.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { emailIssueText } from '../../i18n/rule-texts.ts';

const LookupUserQuery = graphql(`
  query LookupUser($organizationId: ID!, $email: String!) {
    lookupUser(organizationId: $organizationId, email: $email) {
      email
      exists
      firstName
      lastName
      alreadyMember
    }
  }
`);

const ProvisionMembersMutation = graphql(`
  mutation ProvisionMembers($organizationId: ID!, $members: [ProvisionMemberInput!]!) {
    provisionMembers(organizationId: $organizationId, members: $members) {
      __typename
      ... on ProvisionMembersPayload {
        results {
          email
          status
          temporaryPassword
          membership {
            id
          }
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        issues {
          path
          message
        }
      }
      ... on GrantCeilingError {
        roleKeys
        ownerOnly
      }
      ... on LimitExceededError {
        limit
      }
    }
  }
`);

interface Lookup {
  email: string;
  exists: boolean;
  firstName: string | null;
  lastName: string | null;
  alreadyMember: boolean;
}

interface Row {
  key: number;
  email: string;
  lookup: Lookup | null;
  looking: boolean;
  firstName: string;
  lastName: string;
  roleIds: string[];
  /** Resource roles made with the membership (R19), where the preset has resource types. */
  grants: InviteGrantDraft[];
  errors: Record<string, string>;
}

interface ResultRow {
  email: string;
  status: string;
  temporaryPassword: string | null;
}

let nextKey = 1;

const statusLabel = (): Record<string, { label: string; color: string }> => ({
  ADDED: { label: t`Existing account added`, color: 'green' },
  CREATED: { label: t`Account created`, color: 'indigo' },
  ALREADY_MEMBER: { label: t`Already a member`, color: 'gray' },
});

/**
 * Add users by email (R7, seeds 000/002/004): look the address up; an existing account shows its
 * name and is added at once, a new one asks for first and last name and gets a temporary password,
 * shown once. Up to the preset's bulk limit per submission.
 */
export function AddUsersDialog({ opened, onClose, roles }: { opened: boolean; onClose(): void; roles: readonly OrgRole[] }) {
  const { org, preset, perms } = useOrg();
  const client = useClient();
  const [, provision] = useMutation(ProvisionMembersMutation);
  const limit = preset.policy.bulkLimit;
  const multiple = preset.policy.multipleRolesPerMembership;
  const reasonFor = (role: OrgRole) => addRoleReason(role, { actorPerms: perms, policy: preset.policy });
  const fallbackRole = presetDefaultRole(roles, preset.key, (r) => reasonFor(r) === null);
  const blank = (): Row => ({ key: nextKey++, email: '', lookup: null, looking: false, firstName: '', lastName: '', roleIds: fallbackRole ? [fallbackRole.id] : [], grants: [], errors: {} });
  // Spaces/projects the row's person can be put on at once: only the grants @gatehouse/permissions allows.
  const grantable = useGrantableResources(opened);
  const grantOptionsFor = (row: Row) =>
    inviteGrantOptions(
      preset.key,
      grantable.resources,
      perms,
      roles.filter((r) => row.roleIds.includes(r.id)).map((r) => r.key),
    );
  const [rows, setRows] = useState<Row[]>(() => [blank()]);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<ResultRow[] | null>(null);

  const secrets = results?.filter((r) => r.temporaryPassword).length ?? 0;
  const patch = (key: number, change: Partial<Row>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));

  function close() {
    setRows([blank()]);
    setResults(null);
    setFormError(null);
    onClose();
  }

  async function lookUp(row: Row) {
    const email = row.email.trim();
    // The API's own rule (packages/permissions): the same address is refused on both sides.
    const problem = emailIssueText(email);
    if (problem) return patch(row.key, { errors: { email: problem } });
    patch(row.key, { looking: true, errors: {} });
    const res = await client.query(LookupUserQuery, { organizationId: org.id, email }, { requestPolicy: 'network-only' }).toPromise();
    const lookup = res.data?.lookupUser ?? null;
    if (!lookup) return patch(row.key, { looking: false, errors: { email: failureMessage(null, res.error) ?? t`Lookup failed.` } });
    patch(row.key, {
      looking: false,
      lookup,
      roleIds: row.roleIds.length === 0 && fallbackRole ? [fallbackRole.id] : row.roleIds,
      firstName: lookup.exists ? (lookup.firstName ?? '') : row.firstName,
      lastName: lookup.exists ? (lookup.lastName ?? '') : row.lastName,
      errors: lookup.alreadyMember ? { email: t`Already a member of this organization.` } : {},
    });
  }

  function validate(): boolean {
    const seen = new Set<string>();
    const checked = rows.map((row) => {
      const errors: Record<string, string> = {};
      const problem = emailIssueText(row.email);
      // Canonical form: case and internationalized domains (punycode) compare as the API does.
      const email = canonicalEmail(row.email);
      if (problem || !email) errors.email = problem ?? t`Not a valid email address`;
      else if (seen.has(email)) errors.email = t`This address is in the list twice.`;
      else if (!row.lookup || canonicalEmail(row.lookup.email) !== email) errors.email = t`Look the address up first.`;
      if (email) seen.add(email);
      if (row.lookup && !row.lookup.exists) {
        if (!row.firstName.trim()) errors.firstName = t`Required for a new account.`;
        if (!row.lastName.trim()) errors.lastName = t`Required for a new account.`;
      }
      if (row.roleIds.length === 0) errors.roleIds = t`Choose at least one role.`;
      const grantIssue = [...inviteGrantIssues(grantOptionsFor(row), row.grants).values()][0];
      if (grantIssue) errors.resourceGrants = grantIssue;
      return { ...row, errors };
    });
    setRows(checked);
    return checked.every((row) => Object.keys(row.errors).length === 0);
  }

  async function submit() {
    setFormError(null);
    if (!validate()) return;
    setBusy(true);
    const res = await provision({
      organizationId: org.id,
      members: rows.map((r) => ({
        email: r.email.trim(),
        firstName: r.firstName.trim() || null,
        lastName: r.lastName.trim() || null,
        roleIds: r.roleIds,
        ...(r.grants.length ? { resourceGrants: r.grants } : {}),
      })),
    });
    setBusy(false);
    const payload = res.data?.provisionMembers;
    if (payload?.__typename === 'ProvisionMembersPayload') {
      setResults(payload.results.map((r) => ({ email: r.email, status: r.status, temporaryPassword: r.temporaryPassword ?? null })));
      return;
    }
    if (payload?.__typename === 'ValidationError') {
      // Paths like ["input", "members", "2", "email"] point at one row and field.
      const byRow = new Map<number, Record<string, string>>();
      const general: string[] = [];
      for (const issue of payload.issues) {
        const i = issue.path.indexOf('members');
        const index = i >= 0 ? Number(issue.path[i + 1]) : NaN;
        // A grant's problem (["members", "0", "resourceGrants", "1", "roleKey"]) is said under the row's grants.
        const field = issue.path.includes('resourceGrants') ? 'resourceGrants' : (issue.path.at(-1) ?? '');
        if (Number.isInteger(index)) byRow.set(index, { ...byRow.get(index), [field]: issue.message });
        else general.push(issue.message);
      }
      setRows((all) => all.map((r, i) => ({ ...r, errors: byRow.get(i) ?? {} })));
      setFormError(general.join(' ') || payload.message);
      return;
    }
    setFormError(failureMessage(payload, res.error, 'ProvisionMembersPayload'));
  }

  return (
    <GuardedModal
      opened={opened}
      onClose={close}
      locked={secrets > 0}
      dirty={!results && rows.some((r) => r.email.trim() !== '')}
      title={results ? t`Users added` : t`Add users to ${org.name}`}
      size="xl"
    >
      {results ? (
        <Stack gap="md">
          <Text size="sm"><Trans>Temporary passwords are shown only this once. Share them securely: each new user must choose a password at first sign-in.</Trans></Text>
          <div className="gh-table-scroll">
            <Table aria-label={t`Added users`} miw={520}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th><Trans>Email</Trans></Table.Th>
                  <Table.Th><Trans>Result</Trans></Table.Th>
                  <Table.Th><Trans>Temporary password</Trans></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {results.map((r) => (
                  <Table.Tr key={r.email} data-testid={`result-${r.email}`}>
                    <Table.Td>{r.email}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={statusLabel()[r.status]?.color ?? 'gray'}>
                        {statusLabel()[r.status]?.label ?? r.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.temporaryPassword ? <SecretValue value={r.temporaryPassword} label={t`Copy password`} /> : <Text c="dimmed">—</Text>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          {secrets > 0 ? (
            <AcknowledgeSecret plural={secrets > 1} onDone={close} />
          ) : (
            <Group justify="flex-end">
              <Button onClick={close}><Trans>Done</Trans></Button>
            </Group>
          )}
        </Stack>
      ) : (
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            <Trans>Enter an email and look it up. Existing accounts are added at once; new ones are created with a temporary password. Up to {limit} at a time.</Trans>
          </Text>
          {rows.map((row, index) => (
            <Paper key={row.key} withBorder p="sm" radius="md" data-testid={`add-row-${index}`}>
              <Stack gap="xs">
                <Group align="flex-start" gap="xs" wrap="nowrap">
                  <TextInput
                    style={{ flex: 1 }}
                    label={rows.length > 1 ? t`Email ${index + 1}` : t`Email`}
                    placeholder="name@example.com"
                    type="email"
                    value={row.email}
                    error={row.errors.email}
                    data-autofocus={index === 0 || undefined}
                    onChange={(e) => patch(row.key, { email: e.currentTarget.value, lookup: null })}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') {
                        e.preventDefault();
                        void lookUp(row);
                      }
                    }}
                  />
                  <Button mt={25} variant="light" loading={row.looking} onClick={() => void lookUp(row)}>
                    <Trans>Look up</Trans>
                  </Button>
                  {rows.length > 1 && (
                    <ActionIcon mt={29} variant="subtle" color="gray" aria-label={t`Remove row ${index + 1}`} onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}>
                      <IconX size={16} />
                    </ActionIcon>
                  )}
                </Group>
                {row.lookup?.exists && !row.lookup.alreadyMember && (
                  <Text size="sm" c="var(--mantine-color-green-text)" data-testid="existing-account">
                    ✓ <Trans>Existing account: {[row.firstName, row.lastName].filter(Boolean).join(' ') || row.lookup.email}. They will be added to {org.name} at once.</Trans>
                  </Text>
                )}
                {row.lookup && !row.lookup.exists && (
                  <>
                    <Text size="sm" c="var(--mantine-color-indigo-text)">
                      <Trans>No account yet: one will be created with a temporary password.</Trans>
                    </Text>
                    <Group grow align="flex-start">
                      <TextInput label={t`First name`} value={row.firstName} error={row.errors.firstName} onChange={(e) => patch(row.key, { firstName: e.currentTarget.value })} />
                      <TextInput label={t`Last name`} value={row.lastName} error={row.errors.lastName} onChange={(e) => patch(row.key, { lastName: e.currentTarget.value })} />
                    </Group>
                  </>
                )}
                {row.lookup && !row.lookup.alreadyMember && (
                  <RoleSelector
                    roles={roles}
                    value={row.roleIds}
                    onChange={(ids) => patch(row.key, { roleIds: ids })}
                    multiple={multiple}
                    reasonFor={reasonFor}
                    label={multiple ? t`Roles` : t`Role`}
                    error={row.errors.roleIds}
                    compact
                  />
                )}
                {row.lookup && !row.lookup.alreadyMember && grantable.types.length > 0 && (
                  <>
                    <InviteResourceGrants
                      options={grantOptionsFor(row)}
                      typesLabel={grantable.typesLabel}
                      value={row.grants}
                      onChange={(grants) => patch(row.key, { grants, errors: { ...row.errors, resourceGrants: '' } })}
                      fetching={grantable.fetching}
                      error={grantable.error}
                      more={grantable.more}
                      hint={t`Given at once with the membership.`}
                    />
                    {row.errors.resourceGrants && (
                      <Text size="sm" c="var(--mantine-color-error)" role="alert">
                        {row.errors.resourceGrants}
                      </Text>
                    )}
                  </>
                )}
              </Stack>
            </Paper>
          ))}
          <Group justify="space-between">
            <Button variant="subtle" disabled={rows.length >= limit} onClick={() => setRows((all) => [...all, blank()])}>
              + <Trans>Add another ({rows.length}/{limit})</Trans>
            </Button>
          </Group>
          {formError && (
            <Alert color="red" variant="light" role="alert">
              {formError}
            </Alert>
          )}
          <Divider />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              <Trans>Cancel</Trans>
            </Button>
            <Button loading={busy} onClick={() => void submit()} disabled={rows.some((r) => r.lookup?.alreadyMember)}>
              {rows.length > 1 ? t`Add ${rows.length} users` : t`Add user`}

            </Button>
          </Group>
        </Stack>
      )}
    </GuardedModal>
  );
}
