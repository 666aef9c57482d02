import { Badge } from '@mantine/core';

export function StatusBadge({ status }: { status: string }) {
  const active = status === 'ACTIVE';
  return (
    <Badge color={active ? 'green' : 'gray'} variant="light" radius="sm" style={{ maxWidth: 'none', flexShrink: 0 }} styles={{ label: { overflow: 'visible' } }}>
      {active ? 'Active' : status === 'DISABLED' ? 'Disabled' : status.toLowerCase()}
    </Badge>
  );
}
