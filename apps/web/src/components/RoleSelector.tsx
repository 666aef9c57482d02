import { Checkbox, Group, Select, Stack, Text, Tooltip } from '@mantine/core';
import { roleLabel } from '../i18n/data-names.ts';
import type { ControlReason as Reason, ControlRole as RoleLike } from '@gatehouse/permissions';
import { t } from '@lingui/core/macro';
import { reasonText } from '../i18n/rule-texts.ts';

export interface RoleOption extends RoleLike {
  description?: string;
}

export interface RoleSelectorProps {
  roles: readonly RoleOption[];
  value: readonly string[];
  onChange(ids: string[]): void;
  /** Several roles per membership (checkboxes) or one (a select), from the preset policy. */
  multiple: boolean;
  /** Why a role may not be ticked or unticked; null when it may. */
  reasonFor(role: RoleOption): Reason | null;
  label?: string;
  error?: string | null;
  compact?: boolean;
}

/** Role checkboxes (or a select); a role the actor may not change is disabled and says why. */
export function RoleSelector({ roles, value, onChange, multiple, reasonFor, label = t`Roles`, error, compact }: RoleSelectorProps) {
  const selected = new Set(value);
  const reasons = new Map(roles.map((role) => [role.id, reasonFor(role)] as const));
  // One reason that applies to every role (own membership, no permission) is said once.
  const messages = new Set([...reasons.values()].map((r) => r?.message ?? null));
  const shared = roles.length > 1 && messages.size === 1 ? [...reasons.values()][0] ?? null : null;
  const items = roles.map((role) => {
    const reason = reasons.get(role.id) ?? null;
    const description = reason && !shared ? reasonText(reason) : compact ? undefined : role.description;
    const control = (
      <Checkbox
        key={role.id}
        value={role.id}
        label={roleLabel(role)}
        description={description}
        disabled={reason !== null}
        data-reason={reason?.code}
        styles={reason && !shared ? { description: { color: 'var(--mantine-color-orange-text)' } } : undefined}
      />
    );
    return reason && !shared ? (
      <Tooltip key={role.id} label={reasonText(reason)} multiline w={280} position="top-start" withinPortal>
        <div>{control}</div>
      </Tooltip>
    ) : (
      control
    );
  });
  const body = compact ? <Group gap="md">{items}</Group> : <Stack gap={8}>{items}</Stack>;
  if (multiple) {
    return (
      <Checkbox.Group label={label} value={[...selected]} onChange={onChange} error={error}>
        {shared && (
          <Text size="sm" c="var(--mantine-color-orange-text)" mt={4} data-reason={shared.code}>
            {reasonText(shared)}

          </Text>
        )}
        <div style={{ marginTop: 6 }}>{body}</div>
      </Checkbox.Group>
    );
  }
  const unavailable = roles.map((r) => [r, reasonFor(r)] as const).filter(([, r]) => r !== null);
  return (
    <Stack gap={4}>
      <Select
        label={label}
        placeholder={t`Choose a role`}

        data={roles.map((r) => ({ value: r.id, label: roleLabel(r), disabled: reasonFor(r) !== null }))}
        value={value[0] ?? null}
        onChange={(v) => onChange(v ? [v] : [])}
        error={error}
        allowDeselect={false}
        disabled={roles.length > 0 && unavailable.length === roles.length}
      />
      {unavailable.map(([role, reason]) => (
        <Text key={role.id} size="xs" c="var(--mantine-color-orange-text)" data-reason={reason!.code}>
          {roleLabel(role)}: {reasonText(reason!)}
        </Text>
      ))}
    </Stack>
  );
}
