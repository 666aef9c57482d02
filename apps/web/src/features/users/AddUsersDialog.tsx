import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Divider, Group, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { GuardedModal } from '../../components/GuardedModal.tsx';
import { AcknowledgeSecret } from '../../components/AcknowledgeSecret.tsx';
import { useClient, useMutation } from 'urql';
import { IconX } from '@tabler/icons-react';
import { canonicalEmail, emailIssue } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { RoleSelector } from '../../components/RoleSelector.tsx';
import { SecretValue } from '../../components/SecretValue.tsx';
import { addRoleReason, presetDefaultRole } from '@gatehouse/permissions';
import { failureMessage } from '../../lib/errors.ts';
import { LookupUserQuery, ProvisionMembersMutation, type OrgRole } from './queries.ts';

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
  errors: Record<string, string>;
}

interface ResultRow {
  email: string;
  status: string;
  temporaryPassword: string | null;
}

let nextKey = 1;

const STATUS_LABEL: Record<string, { label: string; color: string }> = {
  ADDED: { label: 'Existing account added', color: 'green' },
  CREATED: { label: 'Account created', color: 'indigo' },
  ALREADY_MEMBER: { label: 'Already a member', color: 'gray' },
};

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
  const blank = (): Row => ({ key: nextKey++, email: '', lookup: null, looking: false, firstName: '', lastName: '', roleIds: fallbackRole ? [fallbackRole.id] : [], errors: {} });
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
    const problem = emailIssue(email);
    if (problem) return patch(row.key, { errors: { email: problem } });
    patch(row.key, { looking: true, errors: {} });
    const res = await client.query(LookupUserQuery, { organizationId: org.id, email }, { requestPolicy: 'network-only' }).toPromise();
    const lookup = res.data?.lookupUser ?? null;
    if (!lookup) return patch(row.key, { looking: false, errors: { email: failureMessage(null, res.error) ?? 'Lookup failed.' } });
    patch(row.key, {
      looking: false,
      lookup,
      roleIds: row.roleIds.length === 0 && fallbackRole ? [fallbackRole.id] : row.roleIds,
      firstName: lookup.exists ? (lookup.firstName ?? '') : row.firstName,
      lastName: lookup.exists ? (lookup.lastName ?? '') : row.lastName,
      errors: lookup.alreadyMember ? { email: 'Already a member of this organization.' } : {},
    });
  }

  function validate(): boolean {
    const seen = new Set<string>();
    const checked = rows.map((row) => {
      const errors: Record<string, string> = {};
      const problem = emailIssue(row.email);
      // Canonical form: case and internationalized domains (punycode) compare as the API does.
      const email = canonicalEmail(row.email);
      if (problem || !email) errors.email = problem ?? 'Not a valid email address';
      else if (seen.has(email)) errors.email = 'This address is in the list twice.';
      else if (!row.lookup || canonicalEmail(row.lookup.email) !== email) errors.email = 'Look the address up first.';
      if (email) seen.add(email);
      if (row.lookup && !row.lookup.exists) {
        if (!row.firstName.trim()) errors.firstName = 'Required for a new account.';
        if (!row.lastName.trim()) errors.lastName = 'Required for a new account.';
      }
      if (row.roleIds.length === 0) errors.roleIds = 'Choose at least one role.';
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
        const field = issue.path.at(-1) ?? '';
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
      title={results ? 'Users added' : `Add users to ${org.name}`}
      size="xl"
    >
      {results ? (
        <Stack gap="md">
          <Text size="sm">Temporary passwords are shown only this once. Share them securely: each new user must choose a password at first sign-in.</Text>
          <div className="gh-table-scroll">
            <Table aria-label="Added users" miw={520}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Result</Table.Th>
                  <Table.Th>Temporary password</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {results.map((r) => (
                  <Table.Tr key={r.email} data-testid={`result-${r.email}`}>
                    <Table.Td>{r.email}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={STATUS_LABEL[r.status]?.color ?? 'gray'}>
                        {STATUS_LABEL[r.status]?.label ?? r.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.temporaryPassword ? <SecretValue value={r.temporaryPassword} label="Copy password" /> : <Text c="dimmed">—</Text>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          {secrets > 0 ? (
            <AcknowledgeSecret plural={secrets > 1} onDone={close} />
          ) : (
            <Group justify="flex-end">
              <Button onClick={close}>Done</Button>
            </Group>
          )}
        </Stack>
      ) : (
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            Enter an email and look it up. Existing accounts are added at once; new ones are created with a temporary password. Up to {limit} at a time.
          </Text>
          {rows.map((row, index) => (
            <Paper key={row.key} withBorder p="sm" radius="md" data-testid={`add-row-${index}`}>
              <Stack gap="xs">
                <Group align="flex-start" gap="xs" wrap="nowrap">
                  <TextInput
                    style={{ flex: 1 }}
                    label={`Email ${rows.length > 1 ? index + 1 : ''}`.trim()}
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
                    Look up
                  </Button>
                  {rows.length > 1 && (
                    <ActionIcon mt={29} variant="subtle" color="gray" aria-label={`Remove row ${index + 1}`} onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}>
                      <IconX size={16} />
                    </ActionIcon>
                  )}
                </Group>
                {row.lookup?.exists && !row.lookup.alreadyMember && (
                  <Text size="sm" c="var(--mantine-color-green-text)" data-testid="existing-account">
                    ✓ Existing account: {[row.firstName, row.lastName].filter(Boolean).join(' ') || row.lookup.email}. They will be added to {org.name} at once.
                  </Text>
                )}
                {row.lookup && !row.lookup.exists && (
                  <>
                    <Text size="sm" c="var(--mantine-color-indigo-text)">
                      No account yet: one will be created with a temporary password.
                    </Text>
                    <Group grow align="flex-start">
                      <TextInput label="First name" value={row.firstName} error={row.errors.firstName} onChange={(e) => patch(row.key, { firstName: e.currentTarget.value })} />
                      <TextInput label="Last name" value={row.lastName} error={row.errors.lastName} onChange={(e) => patch(row.key, { lastName: e.currentTarget.value })} />
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
                    label={multiple ? 'Roles' : 'Role'}
                    error={row.errors.roleIds}
                    compact
                  />
                )}
              </Stack>
            </Paper>
          ))}
          <Group justify="space-between">
            <Button variant="subtle" disabled={rows.length >= limit} onClick={() => setRows((all) => [...all, blank()])}>
              + Add another ({rows.length}/{limit})
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
              Cancel
            </Button>
            <Button loading={busy} onClick={() => void submit()} disabled={rows.some((r) => r.lookup?.alreadyMember)}>
              {rows.length > 1 ? `Add ${rows.length} users` : 'Add user'}
            </Button>
          </Group>
        </Stack>
      )}
    </GuardedModal>
  );
}
