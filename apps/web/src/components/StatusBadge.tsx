import { Badge } from '@mantine/core';
import { t } from '@lingui/core/macro';

export function StatusBadge({ status }: { status: string }) {
  const active = status === 'ACTIVE';
  return (
    <Badge color={active ? 'green' : 'gray'} variant="light" radius="sm" style={{ maxWidth: 'none', flexShrink: 0 }} styles={{ label: { overflow: 'visible' } }}>
      {active ? t`Active` : status === 'DISABLED' ? t`Disabled` : status.toLowerCase()}

    </Badge>
  );
}
