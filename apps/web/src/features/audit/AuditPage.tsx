import { Title } from '@mantine/core';

export default function AuditPage() {
  return <Title order={2}>AuditPage</Title>;
}
