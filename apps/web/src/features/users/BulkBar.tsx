// Bulk actions on the selected members: change a role, disable, remove. The API has no bulk
// mutation, so each member is one mutation (four at a time); each answers for itself and the
// outcome of every item is shown, since a bulk action may partly fail. A member the rules refuse
// (R3–R6, from @gatehouse/permissions) is not sent and is reported with the reason. The selection
// may span pages: each member is read again just before the action, so a change made since the
// page was shown (another admin, another page of this table) is what the rules and mutations see.
import { useState } from 'react';
import { roleLabel } from '../../i18n/data-names.ts';
import { useClient } from 'urql';
import { Button, Group, NativeSelect, Paper, Text } from '@mantine/core';
import type { ControlReason, ControlRole } from '@gatehouse/permissions';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { failureMessage } from '../../lib/errors.ts';
import { graphql, readFragment, type ResultOf } from '../../graphql/graphql.ts';
import { BulkMemberFields, RemoveMemberMutation, SetMemberRolesMutation, SetMembershipStatusMutation, type BulkMember, type OrgRole } from './queries.ts';
import type { MemberControls } from './controls.ts';
import type { BulkOutcome, BulkItem } from './bulk.ts';
import { reasonText } from '../../i18n/rule-texts.ts';
import { plural, t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const CONCURRENCY = 4;
/** The API reads at most 100 nodes per call. */
const NODES_PER_READ = 100;

const SelectedMembersQuery = graphql(
  `
  query SelectedMembers($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      ... on Membership {
        ...BulkMemberFields
      }
    }
  }
`,
  [BulkMemberFields],
);

type Member = ResultOf<typeof BulkMemberFields>;

type Kind = 'set' | 'add' | 'take' | 'disable' | 'remove';

const titles = (): Record<Kind, string> => ({
  set: t`Set role`,
  add: t`Add role`,
  take: t`Take away role`,
  disable: t`Disable access`,
  remove: t`Remove from organization`,
});

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += CONCURRENCY) await Promise.all(items.slice(i, i + CONCURRENCY).map(run));
}

export default function BulkBar({
  selected: selection, elsewhere, roles, controls, orgName, onDone, onClear,
}: {
  selected: readonly BulkMember[];
  /** How many of the selected are on other pages of the table. */
  elsewhere: number;
  roles: readonly OrgRole[];
  controls: MemberControls;
  orgName: string;
  onDone(outcome: BulkOutcome): void;
  onClear(): void;
}) {
  const client = useClient();
  const [roleId, setRoleId] = useState('');
  const [busy, setBusy] = useState<Kind | null>(null);
  const [confirm, setConfirm] = useState<'disable' | 'remove' | null>(null);
  const role = roles.find((r) => r.id === roleId) as ControlRole | undefined;
  const selected = readFragment(BulkMemberFields, selection);

  /** The selected members as they are now; null for those no longer in the organization. */
  async function reread(): Promise<Map<string, BulkMember | null>> {
    const now = new Map<string, BulkMember | null>(selected.map((m) => [m.id, null]));
    const ids = [...now.keys()];
    for (let i = 0; i < ids.length; i += NODES_PER_READ) {
      const res = await client.query(SelectedMembersQuery, { ids: ids.slice(i, i + NODES_PER_READ) }, { requestPolicy: 'network-only' }).toPromise();
      // Not readable now (a network error): act on what the page showed, the API decides.
      if (!res.data) return new Map(selection.map((m, j) => [selected[j]!.id, m]));
      for (const node of res.data.nodes) {
        if (node?.__typename !== 'Membership') continue;
        // As the fragment's own type: readFragment narrows a value carrying __typename to nothing.
        const member: BulkMember = node;
        now.set(readFragment(BulkMemberFields, member).id, member);
      }
    }
    return now;
  }

  function nextRoles(kind: Kind, m: Member): ControlRole[] {
    if (!role) return m.roles;
    if (kind === 'set') return [role];
    if (kind === 'add') return m.roles.some((r) => r.id === role.id) ? m.roles : [...m.roles, role];
    return m.roles.filter((r) => r.id !== role.id);
  }

  async function run(kind: Kind) {
    setBusy(kind);
    const items: BulkItem[] = [];
    const todo: Member[] = [];
    const current = await reread();
    for (const shown of selected) {
      const fresh = current.get(shown.id);
      if (!fresh) {
        items.push({ membershipId: shown.id, email: shown.user.email, ok: false, message: t`No longer a member of ${orgName}.` });
        continue;
      }
      const m = readFragment(BulkMemberFields, fresh);
      let reason: ControlReason | null = null;
      if (kind === 'disable') reason = m.status === 'DISABLED' ? null : controls.actionReason('disable', m);
      else if (kind === 'remove') reason = m.user.id === controls.viewerId ? { code: 'SELF', message: t`To leave the organization, use Leave organization in your own row.` } : controls.actionReason('remove', m);
      else {
        const next = nextRoles(kind, m);
        if (next.length === 0) reason = { code: 'SELF', message: t`This would leave no role: remove the member instead.` };
        else if (next.length !== m.roles.length || next.some((r) => !m.roles.some((c) => c.id === r.id))) reason = controls.changeReason(m, next);
        else {
          items.push({ membershipId: m.id, email: m.user.email, ok: true, message: t`No change needed.` });
          continue;
        }
      }
      if (reason) items.push({ membershipId: m.id, email: m.user.email, ok: false, message: reasonText(reason) });

      else todo.push(m);
    }
    await inBatches(todo, async (m) => {
      let message: string | null;
      if (kind === 'disable') {
        const res = await client.mutation(SetMembershipStatusMutation, { membershipId: m.id, status: 'DISABLED' }).toPromise();
        message = failureMessage(res.data?.setMembershipStatus, res.error, 'Membership');
      } else if (kind === 'remove') {
        const res = await client.mutation(RemoveMemberMutation, { membershipId: m.id }).toPromise();
        message = failureMessage(res.data?.removeMember, res.error, 'RemovedMemberPayload');
      } else {
        const res = await client.mutation(SetMemberRolesMutation, { membershipId: m.id, roleIds: nextRoles(kind, m).map((r) => r.id) }).toPromise();
        message = failureMessage(res.data?.setMemberRoles, res.error, 'Membership');
      }
      items.push({ membershipId: m.id, email: m.user.email, ok: message === null, message: message ?? '' });
    });
    // Reported in the order of the selection.
    const order = new Map(selected.map((m, i) => [m.id, i]));
    items.sort((a, b) => (order.get(a.membershipId) ?? 0) - (order.get(b.membershipId) ?? 0));
    setBusy(null);
    setConfirm(null);
    const title = titles()[kind];
    onDone({ title: kind === 'disable' || kind === 'remove' ? title : `${title} ${role?.name ?? ''}`, items });
    return null;
  }

  const n = selected.length;
  const people = plural(n, { one: '# member', other: '# members' });
  return (
    <Paper withBorder p="sm" radius="md" role="region" aria-label={t`Bulk actions`} data-testid="bulk-bar">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Text size="sm" fw={600} aria-live="polite" data-testid="selection-count">
          {elsewhere > 0 ? t`${n} selected (${elsewhere} on other pages)` : t`${n} selected`}
        </Text>
        {controls.mayUpdate && (
          <>
            <NativeSelect
              size="xs"
              label={t`Role`}
              data={[{ value: '', label: t`Choose a role` }, ...roles.map((r) => ({ value: r.id, label: roleLabel(r) }))]}
              value={roleId}
              onChange={(e) => setRoleId(e.currentTarget.value)}
              w={170}
            />
            {controls.multiple ? (
              <>
                <Button size="xs" variant="default" disabled={!role || busy !== null} loading={busy === 'add'} onClick={() => void run('add')}>
                  <Trans>Add role</Trans>
                </Button>
                <Button size="xs" variant="default" disabled={!role || busy !== null} loading={busy === 'take'} onClick={() => void run('take')}>
                  <Trans>Take away role</Trans>
                </Button>
              </>
            ) : (
              <Button size="xs" variant="default" disabled={!role || busy !== null} loading={busy === 'set'} onClick={() => void run('set')}>
                <Trans>Set role</Trans>
              </Button>
            )}
            <Button size="xs" variant="default" disabled={busy !== null} onClick={() => setConfirm('disable')}>
              <Trans>Disable access…</Trans>
            </Button>
          </>
        )}
        {controls.mayRemove && (
          <Button size="xs" variant="default" color="red" c="var(--mantine-color-red-text)" disabled={busy !== null} onClick={() => setConfirm('remove')}>
            <Trans>Remove…</Trans>
          </Button>
        )}
        <Button size="xs" variant="subtle" onClick={onClear}>
          <Trans>Clear selection</Trans>
        </Button>
      </Group>
      <ConfirmDialog
        opened={confirm !== null}
        title={confirm === 'remove' ? t`Remove ${people} from ${orgName}?` : t`Disable the access of ${people}?`}
        confirmLabel={confirm === 'remove' ? t`Remove ${people}` : t`Disable ${people}`}
        onClose={() => setConfirm(null)}
        onConfirm={() => (confirm ? run(confirm) : Promise.resolve(null))}
      >
        <Text size="sm">
          {confirm === 'remove'
            ? t`Their roles in ${orgName} are taken away; their accounts and other organizations stay. Each member's outcome is listed afterwards.`
            : t`They cannot use ${orgName} until their access is enabled again; roles and details are kept. Each member's outcome is listed afterwards.`}

        </Text>
      </ConfirmDialog>
    </Paper>
  );
}
