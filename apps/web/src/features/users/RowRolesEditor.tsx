// The checkboxes of the row role popover (several roles per member): ticking changes a draft,
// Save sends it; each box the viewer may not change says why (RoleSelector).
import { useState } from 'react';
import { Button, Group, Stack, Text } from '@mantine/core';
import type { ControlRole } from '@gatehouse/permissions';
import { RoleSelector } from '../../components/RoleSelector.tsx';
import { readFragment } from '../../graphql/graphql.ts';
import { RowRolesFields, useSaveRoles, type RowRolesMember } from './RowRoles.tsx';
import type { OrgRole } from './queries.ts';
import type { MemberControls } from './controls.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

export default function RowRolesEditor({ member: data, roles, controls, onDone }: { member: RowRolesMember; roles: readonly OrgRole[]; controls: MemberControls; onDone(): void }) {
  const member = readFragment(RowRolesFields, data);
  const saved = member.roles.map((r) => r.id);
  const [draft, setDraft] = useState<string[]>(saved);
  const [error, setError] = useState<string | null>(null);
  const { save, saving } = useSaveRoles(member);
  const dirty = draft.length !== saved.length || draft.some((id) => !saved.includes(id));
  const next = roles.filter((r) => draft.includes(r.id)) as ControlRole[];
  const whole = dirty ? controls.changeReason(member, next) : null;
  return (
    <Stack gap="sm">
      <RoleSelector roles={roles} value={draft} onChange={setDraft} multiple reasonFor={(role) => controls.toggleReason(member, role)} label={t`Roles`} compact error={error} />
      {draft.length === 0 && <Text size="xs" c="var(--mantine-color-orange-text)"><Trans>A member keeps at least one role: to take every role away, remove the member.</Trans></Text>}
      {whole && <Text size="xs" c="var(--mantine-color-orange-text)">{whole.message}</Text>}
      <Group justify="flex-end" gap="xs">
        <Button size="xs" variant="default" onClick={onDone}>
          <Trans>Cancel</Trans>
        </Button>
        <Button
          size="xs"
          loading={saving}
          disabled={!dirty || draft.length === 0 || whole !== null}
          onClick={async () => {
            const message = await save(draft);
            if (message) setError(message);
            else onDone();
          }}
        >
          <Trans>Save roles</Trans>

        </Button>
      </Group>
    </Stack>
  );
}
